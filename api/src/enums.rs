//! The GraphQL enums, each mirroring (`remote`) a stored enum of the `entity` crate.

use async_graphql::Enum;

/// A UN regional group.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[graphql(remote = "entity::enums::UnRegionalGroup")]
pub enum UnRegionalGroup {
    /// African Group.
    African,
    /// Asia-Pacific Group.
    AsiaPacific,
    /// Eastern European Group.
    EasternEuropean,
    /// Latin American and Caribbean Group.
    LatinAmericanAndCaribbean,
    /// Western European and Others Group.
    WesternEuropeanAndOthers,
}

/// A continent.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[graphql(remote = "entity::enums::Continent")]
pub enum Continent {
    /// Africa.
    Africa,
    /// Americas.
    Americas,
    /// Asia.
    Asia,
    /// Europe.
    Europe,
    /// Oceania.
    Oceania,
}

/// A state's status under the Arms Trade Treaty.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[graphql(remote = "entity::enums::AttStatus")]
pub enum AttStatus {
    /// Has consented to be bound (ratification, acceptance, approval or accession).
    StateParty,
    /// Has signed but not yet consented to be bound.
    Signatory,
    /// Has neither signed nor acceded.
    NotJoined,
}

/// How a state consented to be bound by the Treaty.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[graphql(remote = "entity::enums::ConsentKind")]
pub enum ConsentKind {
    /// Ratification.
    Ratification,
    /// Acceptance.
    Acceptance,
    /// Approval.
    Approval,
    /// Accession.
    Accession,
}

/// The kind of an ATT meeting.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[graphql(remote = "entity::enums::MeetingKind")]
pub enum MeetingKind {
    /// A session of the Conference of States Parties.
    #[graphql(name = "CSP")]
    ConferenceOfStatesParties,
    /// A meeting of a CSP working group (WGTU, WGETI, WGTR).
    WorkingGroup,
    /// An informal preparatory meeting before a CSP.
    Preparatory,
}

/// An office of the ATT process held by a state for a term.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[graphql(remote = "entity::enums::Office")]
pub enum Office {
    /// President of the CSP.
    President,
    /// Vice-President of the CSP.
    VicePresident,
    /// Co-chair of the Working Group on Treaty Universalization.
    WgtuCoChair,
    /// Chair of the Working Group on Effective Treaty Implementation.
    WgetiChair,
    /// Co-chair of the Working Group on Transparency and Reporting.
    WgtrCoChair,
    /// Chair of the Voluntary Trust Fund Selection Committee.
    #[graphql(name = "VTF_CHAIR")]
    VtfSelectionCommitteeChair,
    /// Member of the Management Committee.
    #[graphql(name = "MANAGEMENT_COMMITTEE")]
    ManagementCommitteeMember,
}

/// The kind of a partner organisation.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[graphql(remote = "entity::enums::OrganizationKind")]
pub enum OrganizationKind {
    /// Civil society.
    CivilSociety,
    /// Regional.
    Regional,
    /// International.
    International,
    /// Research.
    Research,
}

/// The status of a universalization plan.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[graphql(remote = "entity::enums::PlanStatus")]
pub enum PlanStatus {
    /// Being prepared.
    Draft,
    /// Endorsed by a CSP and in force.
    Endorsed,
    /// Its period is over.
    Closed,
}

/// A step a plan targets for a state.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[graphql(remote = "entity::enums::Milestone")]
pub enum Milestone {
    /// Signature.
    Signature,
    /// National process started.
    NationalProcessStarted,
    /// Legal review completed.
    LegalReviewCompleted,
    /// Submitted to parliament.
    SubmittedToParliament,
    /// Instrument deposited.
    InstrumentDeposited,
}

/// Where a state's national ratification or accession process stands.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[graphql(remote = "entity::enums::ProcessStage")]
pub enum ProcessStage {
    /// Not started.
    NotStarted,
    /// Inter agency review.
    InterAgencyReview,
    /// Legal review.
    LegalReview,
    /// Executive approval.
    ExecutiveApproval,
    /// Parliament.
    Parliament,
    /// Deposit pending.
    DepositPending,
    /// Completed.
    Completed,
}

/// The kind of support a need or a project is about.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[graphql(remote = "entity::enums::SupportCategory")]
pub enum SupportCategory {
    /// Legal and legislative.
    Legal,
    /// Institutional.
    Institutional,
    /// Technical.
    Technical,
    /// Material.
    Material,
    /// Awareness.
    Awareness,
}

/// The status of a support need.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[graphql(remote = "entity::enums::NeedStatus")]
pub enum NeedStatus {
    /// Open.
    Open,
    /// In progress.
    InProgress,
    /// Met.
    Met,
    /// Closed.
    Closed,
}

/// How an outreach contact took place.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[graphql(remote = "entity::enums::EngagementChannel")]
pub enum EngagementChannel {
    /// Meeting.
    Meeting,
    /// Letter.
    Letter,
    /// Email.
    Email,
    /// Call.
    Call,
    /// Visit.
    Visit,
    /// Event.
    Event,
    /// Other.
    Other,
}

/// Who made an outreach contact.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[graphql(remote = "entity::enums::EngagementActor")]
pub enum EngagementActor {
    /// Presidency.
    Presidency,
    /// Secretariat.
    Secretariat,
    /// Champion.
    Champion,
    /// Wgtu.
    Wgtu,
}

/// Why a state is a regional champion.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[graphql(remote = "entity::enums::ChampionKind")]
pub enum ChampionKind {
    /// As a Vice-President of the CSP.
    VicePresident,
    /// As a volunteering State Party.
    Volunteer,
}

/// The status of a VTF project.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[graphql(remote = "entity::enums::VtfProjectStatus")]
pub enum VtfProjectStatus {
    /// Applied.
    Applied,
    /// Approved.
    Approved,
    /// Rejected.
    Rejected,
    /// Implementing.
    Implementing,
    /// Completed.
    Completed,
    /// Cancelled.
    Cancelled,
}

/// The status of a sponsorship award.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[graphql(remote = "entity::enums::SponsorshipStatus")]
pub enum SponsorshipStatus {
    /// Offered.
    Offered,
    /// Accepted.
    Accepted,
    /// Declined.
    Declined,
    /// Attended.
    Attended,
    /// Cancelled.
    Cancelled,
}

/// A support programme a state can use.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[graphql(remote = "entity::enums::Programme")]
pub enum Programme {
    /// The ATT Sponsorship Programme.
    Sponsorship,
    /// The ATT Voluntary Trust Fund.
    Vtf,
    /// The UN Trust Facility Supporting Cooperation on Arms Regulation.
    Unscar,
    /// The EU ATT Outreach Project.
    EuOutreach,
    /// Another programme.
    Other,
}

/// The kind of a partner activity.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[graphql(remote = "entity::enums::ActivityType")]
pub enum ActivityType {
    /// Workshop.
    Workshop,
    /// Training.
    Training,
    /// Legislative assistance.
    LegislativeAssistance,
    /// Awareness.
    Awareness,
    /// Research.
    Research,
    /// Outreach.
    Outreach,
    /// Conference.
    Conference,
    /// Other.
    Other,
}

/// Whether an activity is planned, under way, done or cancelled.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[graphql(remote = "entity::enums::ActivityStatus")]
pub enum ActivityStatus {
    /// Planned.
    Planned,
    /// Ongoing.
    Ongoing,
    /// Completed.
    Completed,
    /// Cancelled.
    Cancelled,
}

/// Where an activity report stands in the Secretariat's review.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[graphql(remote = "entity::enums::ReviewStatus")]
pub enum ReviewStatus {
    /// Being written by its organisation; visible to it alone.
    Draft,
    /// Sent to the Secretariat for review.
    Submitted,
    /// Accepted by the Secretariat; visible to every authenticated caller.
    Accepted,
    /// Returned by the Secretariat with a comment, to be edited and resubmitted.
    Returned,
    /// Withdrawn by its organisation.
    Withdrawn,
}
