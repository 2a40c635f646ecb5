//! The policy vocabulary, one spelling everywhere (code, API, files), in snake_case: dial modes,
//! purposes, rule identifiers, conditions, and the facts a case can lack.
//!
//! Rule identifiers, conditions and facts are small enums collected in bit sets, so a verdict is a few
//! integers: deciding allocates nothing, and the order in which facts arrive cannot change the answer.

use serde::{Deserialize, Serialize};

/// How a program dials (the issue's `dial_mode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DialMode {
    /// An agent dials the number by hand.
    Manual,
    /// The system shows the record; an agent starts each dial.
    Preview,
    /// The system dials a fixed number of lines per agent.
    Power,
    /// The system dials ahead of agents by a pacing model.
    Predictive,
    /// A recording talks (voicemail drops count as prerecorded).
    Prerecorded,
    /// A synthetic or AI-generated voice talks (CR-4: "artificial" in law).
    ArtificialVoice,
    /// An interactive voice response: a recording or synthetic voice talks and listens for keys.
    Ivr,
}

impl DialMode {
    pub const ALL: [DialMode; 7] = [
        DialMode::Manual,
        DialMode::Preview,
        DialMode::Power,
        DialMode::Predictive,
        DialMode::Prerecorded,
        DialMode::ArtificialVoice,
        DialMode::Ivr,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            DialMode::Manual => "manual",
            DialMode::Preview => "preview",
            DialMode::Power => "power",
            DialMode::Predictive => "predictive",
            DialMode::Prerecorded => "prerecorded",
            DialMode::ArtificialVoice => "artificial_voice",
            DialMode::Ivr => "ivr",
        }
    }

    pub fn parse(text: &str) -> Option<DialMode> {
        DialMode::ALL.into_iter().find(|m| m.as_str() == text)
    }

    /// A recording or synthetic voice talks: the robocall rules apply (CR-1, CR-3, CR-20–CR-24).
    pub const fn is_robocall(self) -> bool {
        matches!(self, DialMode::Prerecorded | DialMode::ArtificialVoice | DialMode::Ivr)
    }

    /// The system places the call for an agent (an autodialer in the ATDS disputes, CR-1, CR-49).
    pub const fn is_system_dialed(self) -> bool {
        matches!(self, DialMode::Power | DialMode::Predictive)
    }

    /// A person is on the line from the caller's side.
    pub const fn has_agent(self) -> bool {
        matches!(self, DialMode::Manual | DialMode::Preview | DialMode::Power | DialMode::Predictive)
    }
}

/// What a program is for (the issue's `purpose`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    Gotv,
    Fundraising,
    Survey,
    Persuasion,
}

impl Purpose {
    pub const ALL: [Purpose; 4] = [Purpose::Gotv, Purpose::Fundraising, Purpose::Survey, Purpose::Persuasion];

    pub const fn as_str(self) -> &'static str {
        match self {
            Purpose::Gotv => "gotv",
            Purpose::Fundraising => "fundraising",
            Purpose::Survey => "survey",
            Purpose::Persuasion => "persuasion",
        }
    }

    pub fn parse(text: &str) -> Option<Purpose> {
        Purpose::ALL.into_iter().find(|p| p.as_str() == text)
    }
}

/// Declares a fieldless enum with a stable text name per variant and a bit set over it.
macro_rules! named_set {
    ($(#[$doc:meta])* $name:ident, $set:ident, $bits:ty { $($(#[$vdoc:meta])* $variant:ident = $text:literal,)* }) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($(#[$vdoc])* $variant,)* }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            pub const fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text,)* }
            }

            pub fn parse(text: &str) -> Option<$name> {
                $name::ALL.iter().copied().find(|v| v.as_str() == text)
            }

            const fn bit(self) -> $bits {
                1 << (self as u32)
            }
        }

        /// A set, iterated in declaration order whatever the order of insertion.
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
        pub struct $set($bits);

        impl $set {
            pub const EMPTY: $set = $set(0);

            pub const fn of(items: &[$name]) -> $set {
                let mut bits = 0;
                let mut i = 0;
                while i < items.len() {
                    bits |= items[i].bit();
                    i += 1;
                }
                $set(bits)
            }

            pub fn insert(&mut self, item: $name) {
                self.0 |= item.bit();
            }

            pub fn extend(&mut self, other: $set) {
                self.0 |= other.0;
            }

            pub const fn contains(self, item: $name) -> bool {
                self.0 & item.bit() != 0
            }

            pub const fn is_empty(self) -> bool {
                self.0 == 0
            }

            pub const fn bits(self) -> $bits {
                self.0
            }

            pub fn iter(self) -> impl Iterator<Item = $name> {
                $name::ALL.iter().copied().filter(move |v| self.contains(*v))
            }
        }
    };
}

named_set! {
    /// The rule behind a denial or a condition: a CR-n of compliance-rules.md, or a campaign setting.
    RuleId, RuleSet, u64 {
        Cr1 = "CR-1",
        Cr2 = "CR-2",
        Cr3 = "CR-3",
        Cr4 = "CR-4",
        Cr5 = "CR-5",
        Cr6 = "CR-6",
        Cr7 = "CR-7",
        Cr10 = "CR-10",
        Cr12 = "CR-12",
        Cr13 = "CR-13",
        Cr14 = "CR-14",
        Cr15 = "CR-15",
        Cr20 = "CR-20",
        Cr21 = "CR-21",
        Cr22 = "CR-22",
        Cr23 = "CR-23",
        Cr24 = "CR-24",
        Cr27 = "CR-27",
        Cr28 = "CR-28",
        Cr31 = "CR-31",
        Cr39 = "CR-39",
        Cr41 = "CR-41",
        Cr45 = "CR-45",
        Cr46 = "CR-46",
        Cr47 = "CR-47",
        Cr49 = "CR-49",
        /// The program's own calling hours.
        ProgramWindow = "program_window",
        /// The program's maximum attempts per person.
        MaxAttempts = "max_attempts",
        /// The program's minimum time between attempts on one number.
        MinSpacing = "min_spacing",
        /// The program's cap on attempts per household.
        HouseholdCap = "household_cap",
        /// The last attempt ended with a final disposition.
        FinalDisposition = "final_disposition",
        /// A fact the rules need is missing.
        MissingFact = "missing_fact",
        /// Two facts contradict each other.
        ContradictoryFact = "contradictory_fact",
    }
}

impl RuleId {
    /// A few words on what the rule is (the full text: compliance-rules.md, docs/policy.md).
    pub const fn title(self) -> &'static str {
        match self {
            RuleId::Cr1 => "wireless lines: no robocall or autodialed call without consent (TCPA)",
            RuleId::Cr2 => "protected lines: as wireless, for every purpose (TCPA)",
            RuleId::Cr3 => "residential lines: at most 3 prerecorded calls per rolling 30 days without consent",
            RuleId::Cr4 => "AI and cloned voices are artificial voices",
            RuleId::Cr5 => "recorded messages identify the caller and give a callback number",
            RuleId::Cr6 => "recorded messages offer an automated opt-out",
            RuleId::Cr7 => "do-not-call requests honored (law: within 10 business days)",
            RuleId::Cr10 => "one line at a time of a multi-line business with an autodialer",
            RuleId::Cr12 => "ported numbers: a line type is relied on only when looked up within 15 days",
            RuleId::Cr13 => "Reassigned Numbers Database result against the consent date",
            RuleId::Cr14 => "caller ID: a number the caller is authorized to use, ringing back to it",
            RuleId::Cr15 => "STIR/SHAKEN: caller ID numbers with documented right to use",
            RuleId::Cr20 => "Indiana: consent or a live operator before a recorded message",
            RuleId::Cr21 => "Minnesota: consent or a live operator first; recorded messages 09:00-21:00",
            RuleId::Cr22 => "North Dakota: consent or a live operator first; 08:00-21:00",
            RuleId::Cr23 => "California: a live voice introduces recorded messages; none 21:00-09:00",
            RuleId::Cr24 => "New Hampshire: no recorded political message to the federal DNC list; name the payer",
            RuleId::Cr27 => "Florida and Oklahoma: commercial content makes a call a telephonic sales call",
            RuleId::Cr28 => "all-party consent to record: announce the recording",
            RuleId::Cr31 => "foreign nationals make no election decisions",
            RuleId::Cr39 => "California voter data never reaches agents outside the US",
            RuleId::Cr41 => "nothing for the countries of the US bulk-data rule",
            RuleId::Cr45 => "calling hours 08:00-21:00 local in every candidate zone",
            RuleId::Cr46 => "abandoned system-dialed calls play the safe-harbor message",
            RuleId::Cr47 => "internal do-not-call list, every call type, at once",
            RuleId::Cr49 => "wireless without consent: a human starts every dial",
            RuleId::ProgramWindow => "the program's own calling hours",
            RuleId::MaxAttempts => "the program's maximum attempts per person",
            RuleId::MinSpacing => "the program's minimum time between attempts",
            RuleId::HouseholdCap => "the program's cap on attempts per household",
            RuleId::FinalDisposition => "no redial after a final disposition",
            RuleId::MissingFact => "a fact the rules need is missing",
            RuleId::ContradictoryFact => "two facts contradict each other",
        }
    }

    /// Whether this is a compliance rule (CR-n) rather than a campaign setting or a fact problem.
    pub fn is_compliance_rule(self) -> bool {
        self.as_str().starts_with("CR-")
    }
}

named_set! {
    /// What an allowed dial must do.
    Condition, ConditionSet, u16 {
        /// Dial by hand (manual or preview), never by the system (CR-1, CR-2, CR-49).
        ManualDialOnly = "manual_dial_only",
        /// A live operator states who is calling and obtains consent before any recording plays
        /// (CR-20–CR-23).
        LiveOperatorConsentFirst = "live_operator_consent_first",
        /// Announce the recording at the start and stop recording if the person objects (CR-28).
        AnnounceRecording = "announce_recording",
        /// On an abandoned call, play the safe-harbor message: name, callback number, opt-out (CR-46).
        PlaySafeHarbor = "play_safe_harbor",
        /// The message opens with the caller's legal name, gives a callback number and offers an
        /// automated opt-out within 2 s (CR-5, CR-6).
        IdentifyAndOfferOptOut = "identify_and_offer_opt_out",
        /// Name the candidate or organization and who paid within the first 30 s (CR-24, New Hampshire).
        NamePayerWithin30s = "name_payer_within_30s",
    }
}

named_set! {
    /// A fact of a case, named as in the case file.
    Fact, FactSet, u32 {
        Instant = "instant",
        Phone = "phone",
        LineType = "line_type",
        DialMode = "dial_mode",
        Purpose = "purpose",
        Consent = "consent",
        ConsentAt = "consent_at",
        RndResult = "rnd_result",
        OnDnc = "on_dnc",
        OnNationalDnc = "on_national_dnc",
        PrerecordedCalls30d = "prerecorded_calls_30d",
        Attempts = "attempts",
        MaxAttempts = "max_attempts",
        LastAttemptAt = "last_attempt_at",
        HouseholdAttempts = "household_attempts",
        AgentCountry = "agent_country",
        SourceState = "source_state",
        ProgramWindow = "program_window",
        LastDisposition = "last_disposition",
        BusinessLinesInProgress = "business_lines_in_progress",
        CallerIdAuthorized = "caller_id_authorized",
        Calls24h = "calls_24h",
    }
}

/// Two facts that cannot both be true: the case is denied, naming them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Contradiction {
    /// The number is toll-free or premium-rate (a protected line, CR-2) but `line_type` says otherwise.
    TollFreeNotProtected,
    /// `last_attempt_at` is after `instant`.
    LastAttemptInFuture,
    /// `last_attempt_at` or `last_disposition` is given but `attempts` is 0.
    HistoryWithoutAttempts,
    /// `consent_at` is after `instant`.
    ConsentInFuture,
    /// `consent_at` is given but `consent` is false.
    ConsentDateWithoutConsent,
    /// `rnd_checked_at` is after `instant`, or before `consent_at`.
    RndCheckOutOfOrder,
    /// The program window does not open before it closes.
    EmptyProgramWindow,
    /// `written_consent` is true but `consent` is false.
    WrittenConsentWithoutConsent,
}

impl Contradiction {
    pub const fn sentence(self) -> &'static str {
        match self {
            Contradiction::TollFreeNotProtected => {
                "Contradictory facts: the number is toll-free or premium-rate (a protected line) but line_type says otherwise."
            }
            Contradiction::LastAttemptInFuture => "Contradictory facts: last_attempt_at is after instant.",
            Contradiction::HistoryWithoutAttempts => {
                "Contradictory facts: last_attempt_at or last_disposition is given but attempts is 0."
            }
            Contradiction::ConsentInFuture => "Contradictory facts: consent_at is after instant.",
            Contradiction::ConsentDateWithoutConsent => {
                "Contradictory facts: consent_at is given but consent is false."
            }
            Contradiction::RndCheckOutOfOrder => {
                "Contradictory facts: rnd_checked_at is after instant or before consent_at."
            }
            Contradiction::EmptyProgramWindow => {
                "Contradictory facts: the program window does not open before it closes."
            }
            Contradiction::WrittenConsentWithoutConsent => {
                "Contradictory facts: written_consent is true but consent is false."
            }
        }
    }
}
