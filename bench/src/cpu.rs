//! CPU time, read from Linux's `/proc`: of the server, of PostgreSQL's processes, of the whole
//! machine and of the bench's finished children (pgbench). What one request costs each side
//! says where the limit is, which a rate alone does not: the server, the client and the
//! database share the cores.

use std::collections::HashMap;
use std::process::Command;

/// Clock ticks per second, as `/proc` counts them.
fn ticks_per_sec() -> f64 {
    static TICKS: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
            .unwrap_or(100.0)
    })
}

/// The fields of `/proc/<pid>/stat` after the command name (which may hold spaces).
fn stat_fields(path: &str) -> Option<Vec<u64>> {
    let text = std::fs::read_to_string(path).ok()?;
    let rest = &text[text.rfind(')')? + 1..];
    // After the name: state (a letter), then numbers; index 0 here is field 4 of proc(5).
    Some(rest.split_whitespace().skip(1).map(|f| f.parse().unwrap_or(0)).collect())
}

/// Seconds of CPU (user and system) process `pid` has used.
pub fn process(pid: u32) -> Option<f64> {
    let f = stat_fields(&format!("/proc/{pid}/stat"))?;
    // utime and stime are fields 14 and 15.
    Some((f.get(10)? + f.get(11)?) as f64 / ticks_per_sec())
}

/// Seconds of CPU the waited-for children of this process have used (pgbench's, once it has
/// exited).
pub fn children() -> Option<f64> {
    let f = stat_fields("/proc/self/stat")?;
    // cutime and cstime are fields 16 and 17.
    Some((f.get(12)? + f.get(13)?) as f64 / ticks_per_sec())
}

/// The CPU seconds of each running PostgreSQL process, by process id.
pub fn postgres() -> HashMap<u32, f64> {
    let Ok(dir) = std::fs::read_dir("/proc") else { return HashMap::new() };
    dir.filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str().and_then(|n| n.parse::<u32>().ok()))
        .filter(|pid| std::fs::read_to_string(format!("/proc/{pid}/comm")).is_ok_and(|c| c.trim() == "postgres"))
        .filter_map(|pid| process(pid).map(|secs| (pid, secs)))
        .collect()
}

/// The CPU seconds PostgreSQL's processes spent between two readings: the server's pooled
/// backends live as long as the pool, so this is the database work of what ran between. A
/// process that ended in between (a backend of an earlier pgbench) is left out.
pub fn postgres_between(before: &HashMap<u32, f64>, after: &HashMap<u32, f64>) -> f64 {
    after.iter().map(|(pid, secs)| secs - before.get(pid).copied().unwrap_or(0.0)).filter(|d| *d > 0.0).sum()
}

/// Seconds of CPU the whole machine has been busy (all cores; idle and I/O wait left out).
pub fn machine() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/stat").ok()?;
    let line = text.lines().find(|l| l.starts_with("cpu "))?;
    let f: Vec<u64> = line.split_whitespace().skip(1).filter_map(|v| v.parse().ok()).collect();
    let (idle, iowait) = (*f.get(3)?, *f.get(4)?);
    // guest time is already counted in user time.
    let total: u64 = f.iter().take(8).sum();
    Some((total - idle - iowait) as f64 / ticks_per_sec())
}
