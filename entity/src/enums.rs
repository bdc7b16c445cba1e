//! Closed sets of values stored as short text columns (portable across SQLite and PostgreSQL).

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// Declares a text-backed enum: each variant is stored as the given string.
macro_rules! text_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $value:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize)]
        #[sea_orm(rs_type = "String", db_type = "String(StringLen::N(40))")]
        pub enum $name {
            $($(#[$vmeta])* #[sea_orm(string_value = $value)] #[serde(rename = $value)] $variant,)+
        }

        impl $name {
            /// The value as stored in the database.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $value,)+ }
            }
        }
    };
}

text_enum!(UnRegionalGroup {
    African = "AFRICAN",
    AsiaPacific = "ASIA_PACIFIC",
    EasternEuropean = "EASTERN_EUROPEAN",
    LatinAmericanAndCaribbean = "LATIN_AMERICAN_AND_CARIBBEAN",
    WesternEuropeanAndOthers = "WESTERN_EUROPEAN_AND_OTHERS",
});

text_enum!(Continent {
    Africa = "AFRICA",
    Americas = "AMERICAS",
    Asia = "ASIA",
    Europe = "EUROPE",
    Oceania = "OCEANIA",
});

text_enum!(AttStatus {
    StateParty = "STATE_PARTY",
    Signatory = "SIGNATORY",
    NotJoined = "NOT_JOINED",
});

text_enum!(ConsentKind {
    Ratification = "RATIFICATION",
    Acceptance = "ACCEPTANCE",
    Approval = "APPROVAL",
    Accession = "ACCESSION",
});

text_enum!(MeetingKind {
    ConferenceOfStatesParties = "CSP",
    WorkingGroup = "WORKING_GROUP",
    Preparatory = "PREPARATORY",
});

text_enum!(Office {
    President = "PRESIDENT",
    VicePresident = "VICE_PRESIDENT",
    WgtuCoChair = "WGTU_CO_CHAIR",
    WgetiChair = "WGETI_CHAIR",
    WgtrCoChair = "WGTR_CO_CHAIR",
    VtfSelectionCommitteeChair = "VTF_CHAIR",
    ManagementCommitteeMember = "MANAGEMENT_COMMITTEE",
});

text_enum!(OrganizationKind {
    CivilSociety = "CIVIL_SOCIETY",
    Regional = "REGIONAL",
    International = "INTERNATIONAL",
    Research = "RESEARCH",
});

text_enum!(PlanStatus {
    Draft = "DRAFT",
    Endorsed = "ENDORSED",
    Closed = "CLOSED",
});

text_enum!(Milestone {
    Signature = "SIGNATURE",
    NationalProcessStarted = "NATIONAL_PROCESS_STARTED",
    LegalReviewCompleted = "LEGAL_REVIEW_COMPLETED",
    SubmittedToParliament = "SUBMITTED_TO_PARLIAMENT",
    InstrumentDeposited = "INSTRUMENT_DEPOSITED",
});

text_enum!(ProcessStage {
    NotStarted = "NOT_STARTED",
    InterAgencyReview = "INTER_AGENCY_REVIEW",
    LegalReview = "LEGAL_REVIEW",
    ExecutiveApproval = "EXECUTIVE_APPROVAL",
    Parliament = "PARLIAMENT",
    DepositPending = "DEPOSIT_PENDING",
    Completed = "COMPLETED",
});

text_enum!(SupportCategory {
    Legal = "LEGAL",
    Institutional = "INSTITUTIONAL",
    Technical = "TECHNICAL",
    Material = "MATERIAL",
    Awareness = "AWARENESS",
});

text_enum!(NeedStatus {
    Open = "OPEN",
    InProgress = "IN_PROGRESS",
    Met = "MET",
    Closed = "CLOSED",
});

text_enum!(EngagementChannel {
    Meeting = "MEETING",
    Letter = "LETTER",
    Email = "EMAIL",
    Call = "CALL",
    Visit = "VISIT",
    Event = "EVENT",
    Other = "OTHER",
});

text_enum!(EngagementActor {
    Presidency = "PRESIDENCY",
    Secretariat = "SECRETARIAT",
    Champion = "CHAMPION",
    Wgtu = "WGTU",
});

text_enum!(ChampionKind {
    VicePresident = "VICE_PRESIDENT",
    Volunteer = "VOLUNTEER",
});

text_enum!(VtfProjectStatus {
    Applied = "APPLIED",
    Approved = "APPROVED",
    Rejected = "REJECTED",
    Implementing = "IMPLEMENTING",
    Completed = "COMPLETED",
    Cancelled = "CANCELLED",
});

text_enum!(SponsorshipStatus {
    Offered = "OFFERED",
    Accepted = "ACCEPTED",
    Declined = "DECLINED",
    Attended = "ATTENDED",
    Cancelled = "CANCELLED",
});

text_enum!(Programme {
    Sponsorship = "SPONSORSHIP",
    Vtf = "VTF",
    Unscar = "UNSCAR",
    EuOutreach = "EU_OUTREACH",
    Other = "OTHER",
});

text_enum!(ActivityType {
    Workshop = "WORKSHOP",
    Training = "TRAINING",
    LegislativeAssistance = "LEGISLATIVE_ASSISTANCE",
    Awareness = "AWARENESS",
    Research = "RESEARCH",
    Outreach = "OUTREACH",
    Conference = "CONFERENCE",
    Other = "OTHER",
});

text_enum!(ActivityStatus {
    Planned = "PLANNED",
    Ongoing = "ONGOING",
    Completed = "COMPLETED",
    Cancelled = "CANCELLED",
});

text_enum!(ReviewStatus {
    Draft = "DRAFT",
    Submitted = "SUBMITTED",
    Accepted = "ACCEPTED",
    Returned = "RETURNED",
    Withdrawn = "WITHDRAWN",
});

text_enum!(Role {
    Anonymous = "ANONYMOUS",
    Partner = "PARTNER",
    VtfCommittee = "VTF_COMMITTEE",
    Wgtu = "WGTU",
    Secretariat = "SECRETARIAT",
});

/// A list of strings kept in one JSON column (ATT themes, e-mail addresses, programme pathway ...).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, FromJsonQueryResult)]
pub struct StringList(pub Vec<String>);

/// An ordered list of support programmes (the pathway the Secretariat advises).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, FromJsonQueryResult)]
pub struct ProgrammeList(pub Vec<Programme>);

/// A list of UN regional groups (a plan's priority regions).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, FromJsonQueryResult)]
pub struct RegionList(pub Vec<UnRegionalGroup>);
