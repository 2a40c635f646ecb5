//! Programs: one calling effort with a purpose, a dial mode, hours, a caller ID, attempt rules and the
//! vendors who share its call list — and the pure rules that turn a universe into that call list.
//!
//! - [`ProgramSettings`] is what a program manager sets; [`ProgramSettings::problems`] lists every
//!   setting that is missing or contradicts another, each naming its field, so a form can show them all
//!   at once.
//! - [`classify_person`] decides one person's call-list entry from the contact-policy verdicts of their
//!   phones: which phone, dialed how (by the system, or by an agent as a preview call — CR-49), or
//!   excluded with the rules and the sentence that say why.
//! - [`assign_vendor`] gives each household to one vendor by the program's shares, deterministically, so
//!   a household is never split between two vendors and a re-snapshot gives the same split.

use crate::phone::PhoneE164;
use crate::policy::{ConditionSet, DialMode, Purpose, RuleSet, Verdict, VerdictKind, Window};
use crate::validate::Invalid;
use serde::{Deserialize, Serialize};

pub mod quota;
pub use quota::{Quota, QuotaField};

/// The most attempts per person a program may set (a campaign's list is not a harassment tool).
pub const MAX_ATTEMPTS_LIMIT: u32 = 20;
/// The abandonment line of CR-46, in percent. A program's target may be lower, never higher.
pub const ABANDONMENT_LIMIT_PERCENT: f64 = 3.0;

/// A program's settings, as the program manager sets them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProgramSettings {
    pub purpose: Purpose,
    pub dial_mode: DialMode,
    /// The saved universe the call list is snapshotted from.
    pub universe: String,
    /// The program's own calling hours, local time in every candidate zone of a number (within the
    /// rules' windows, CR-45: the stricter wins).
    #[serde(default, with = "window_text")]
    pub window: Option<Window>,
    /// The number the called person sees (CR-14): one the campaign is authorized to use, ringing back.
    #[serde(default)]
    pub caller_id: Option<PhoneE164>,
    /// The number announced in messages and the safe-harbor recording (CR-5, CR-46); the caller ID when
    /// not set.
    #[serde(default)]
    pub callback_number: Option<PhoneE164>,
    /// Someone in the campaign attested that it may use the caller ID (CR-14, CR-15).
    #[serde(default)]
    pub caller_id_authorized: bool,
    pub max_attempts: u32,
    /// Minutes between attempts on one number (the policy engine's default when not set).
    #[serde(default)]
    pub min_spacing_minutes: Option<u32>,
    /// Attempts per household across its members; none: no household cap.
    #[serde(default)]
    pub max_household_attempts: Option<u32>,
    /// Call one person per household (the first callable member in file order), not everyone.
    pub one_per_household: bool,
    /// Calls are recorded (the recording notice of CR-28 applies).
    pub recorded: bool,
    /// The calls carry commercial content (anything sold: merchandise, tickets, services), which makes
    /// them telephonic sales calls in Florida and Oklahoma (CR-27). Purely political calls are not.
    #[serde(default)]
    pub commercial_content: bool,
    /// A prerecorded or artificial-voice program leaves its approved voicemail-drop recording on the
    /// answering machines it reaches (CR-6: the message gives a toll-free number to the automated
    /// opt-out); without it, a machine is hung up on. Agent programs never drop voicemail: a recorded
    /// message on their calls would be a robocall the policy engine did not check them for.
    #[serde(default)]
    pub voicemail_drop: bool,
    /// The abandonment rate pacing holds (CR-46), percent; at most [`ABANDONMENT_LIMIT_PERCENT`].
    pub abandonment_target_percent: f64,
    /// Vendors and the share of the list each gets, in percent. Empty: nobody places agent calls.
    #[serde(default)]
    pub vendors: Vec<VendorShare>,
    /// Survey quotas per cell (survey programs only): a full cell is no longer sampled.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub quotas: Vec<Quota>,
}

/// One vendor's share of a program's list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VendorShare {
    /// The vendor organization's slug.
    pub vendor: String,
    pub percent: u8,
}

impl VendorShare {
    /// `SLUG=PERCENT`, as the CLI takes it.
    pub fn parse(text: &str) -> Result<VendorShare, Invalid> {
        let (vendor, percent) =
            text.split_once('=').ok_or_else(|| Invalid::new("vendors", "each vendor is SLUG=PERCENT"))?;
        let percent: u8 = percent
            .trim()
            .parse()
            .ok()
            .filter(|p| (1..=100).contains(p))
            .ok_or_else(|| Invalid::new("vendors", "a share is a whole percent from 1 to 100"))?;
        Ok(VendorShare { vendor: vendor.trim().to_string(), percent })
    }
}

impl ProgramSettings {
    /// Conservative defaults for a purpose and dial mode: 3 attempts, the engine's spacing, a 2.5 %
    /// abandonment target under the 3 % line, calls recorded, and one person per household for surveys
    /// (a household is one sampling unit) but every voter for the other purposes (each voter's own
    /// turnout or gift is the point).
    pub fn new(purpose: Purpose, dial_mode: DialMode, universe: &str) -> ProgramSettings {
        ProgramSettings {
            purpose,
            dial_mode,
            universe: universe.to_string(),
            window: None,
            caller_id: None,
            callback_number: None,
            caller_id_authorized: false,
            max_attempts: 3,
            min_spacing_minutes: None,
            max_household_attempts: None,
            one_per_household: purpose == Purpose::Survey,
            recorded: true,
            commercial_content: false,
            voicemail_drop: false,
            abandonment_target_percent: 2.5,
            vendors: Vec::new(),
            quotas: Vec::new(),
        }
    }

    /// Does an agent talk on this program's calls (so vendors and their sites matter)?
    pub fn has_agents(&self) -> bool {
        self.dial_mode.has_agent()
    }

    /// The number announced for call-backs and opt-outs.
    pub fn callback(&self) -> Option<PhoneE164> {
        self.callback_number.or(self.caller_id)
    }

    /// Every setting that is wrong on its own or contradicts another. Empty: the settings hold together
    /// (whether the program may *start* also depends on its script, call list and vendors' engagements).
    pub fn problems(&self) -> Vec<Invalid> {
        let mut out = Vec::new();
        if self.universe.trim().is_empty() {
            out.push(Invalid::new("universe", "choose the saved universe the call list comes from"));
        }
        if let Some(w) = self.window {
            if w.open >= w.close {
                out.push(Invalid::new("window", "the calling hours must open before they close"));
            }
        }
        if !(1..=MAX_ATTEMPTS_LIMIT).contains(&self.max_attempts) {
            out.push(Invalid::new("max_attempts", format!("must be 1 to {MAX_ATTEMPTS_LIMIT}")));
        }
        if self.max_household_attempts == Some(0) {
            out.push(Invalid::new("max_household_attempts", "must be at least 1 (or not set)"));
        }
        let target = self.abandonment_target_percent;
        if !(target > 0.0 && target <= ABANDONMENT_LIMIT_PERCENT) {
            out.push(Invalid::new(
                "abandonment_target_percent",
                format!("must be above 0 and at most {ABANDONMENT_LIMIT_PERCENT} (CR-46)"),
            ));
        }
        for (field, number) in [("caller_id", self.caller_id), ("callback_number", self.callback_number)] {
            if number.is_some_and(|n| !n.is_nanp()) {
                out.push(Invalid::new(field, "must be a US (NANP) number the campaign can be called back on"));
            }
        }
        if self.caller_id_authorized && self.caller_id.is_none() {
            out.push(Invalid::new("caller_id_authorized", "attests a caller ID, but none is set"));
        }
        if self.has_agents() {
            let total: u32 = self.vendors.iter().map(|v| u32::from(v.percent)).sum();
            if !self.vendors.is_empty() && total != 100 {
                out.push(Invalid::new("vendors", format!("the vendors' shares add up to {total} %, not 100 %")));
            }
            let mut seen = std::collections::HashSet::new();
            if self.vendors.iter().any(|v| !seen.insert(v.vendor.as_str())) {
                out.push(Invalid::new("vendors", "a vendor is listed twice"));
            }
        } else if !self.vendors.is_empty() {
            out.push(Invalid::new(
                "vendors",
                "a prerecorded, artificial-voice or IVR program has no agents: it takes no vendors",
            ));
        }
        if self.voicemail_drop && !matches!(self.dial_mode, DialMode::Prerecorded | DialMode::ArtificialVoice) {
            out.push(Invalid::new(
                "voicemail_drop",
                "only a prerecorded or artificial-voice program leaves a recorded message on machines",
            ));
        }
        if !self.quotas.is_empty() && self.purpose != Purpose::Survey {
            out.push(Invalid::new("quotas", "quotas are for survey programs"));
        }
        out.extend(quota::quota_problems(&self.quotas));
        out
    }

    /// What stands between these settings and starting the program, beyond [`Self::problems`]: the
    /// facts every running program needs. The store adds what it knows (call list, engagements, script).
    pub fn start_blockers(&self) -> Vec<Invalid> {
        let mut out = self.problems();
        if self.caller_id.is_none() {
            out.push(Invalid::new("caller_id", "a program cannot dial without a caller ID (CR-14)"));
        } else if !self.caller_id_authorized {
            out.push(Invalid::new(
                "caller_id_authorized",
                "someone in the campaign must attest that it may use the caller ID (CR-14, CR-15)",
            ));
        }
        if self.has_agents() && self.vendors.is_empty() {
            out.push(Invalid::new("vendors", "a program with agents needs at least one vendor"));
        }
        out
    }
}

/// Where a program is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProgramStatus {
    /// Being set up: settings and the call list can change.
    Draft,
    Running,
    Paused,
    Finished,
}

impl ProgramStatus {
    pub const fn as_str(self) -> &'static str {
        match self {
            ProgramStatus::Draft => "draft",
            ProgramStatus::Running => "running",
            ProgramStatus::Paused => "paused",
            ProgramStatus::Finished => "finished",
        }
    }

    pub fn parse(text: &str) -> Option<ProgramStatus> {
        [ProgramStatus::Draft, ProgramStatus::Running, ProgramStatus::Paused, ProgramStatus::Finished]
            .into_iter()
            .find(|s| s.as_str() == text)
    }
}

/// How a call-list entry is dialed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryMode {
    /// The program's own mode: the system dials (power, predictive), or the agent as the mode says
    /// (manual, preview), or a recording talks (prerecorded, artificial voice, IVR).
    Program,
    /// The system may not dial this number (CR-1, CR-2, CR-49): an agent starts the dial as a preview
    /// call, blended to the program's agents.
    Preview,
    /// Not on the list; the entry keeps the rules and the sentence.
    Excluded,
}

impl EntryMode {
    pub const fn as_str(self) -> &'static str {
        match self {
            EntryMode::Program => "program",
            EntryMode::Preview => "preview",
            EntryMode::Excluded => "excluded",
        }
    }

    pub fn parse(text: &str) -> Option<EntryMode> {
        [EntryMode::Program, EntryMode::Preview, EntryMode::Excluded].into_iter().find(|m| m.as_str() == text)
    }
}

/// One person's place on a call list.
#[derive(Clone, Debug, PartialEq)]
pub struct Classified {
    pub mode: EntryMode,
    /// The phone to dial (its position among the person's phones); none when excluded.
    pub phone_position: Option<u32>,
    /// Conditions the dial carries (announce recording, safe harbor, …).
    pub conditions: ConditionSet,
    /// For an exclusion: the rules behind it, and why in one sentence.
    pub rules: RuleSet,
    pub reason: String,
}

/// Why a person with no phone is not on the list.
pub const NO_PHONE: &str = "No phone number on file.";
/// Why a later member of a household is not on a one-per-household list.
pub const HOUSEHOLD_REPEAT: &str = "Someone else in this household is on the list (one person per household).";

/// A person's entry from the verdicts of their phones (position, verdict), each decided at the first
/// instant the calling hours allow — a time-only denial is not an exclusion, the dialer waits for it.
///
/// The best phone wins: one the program's own mode may dial (allow, or conditions that keep the mode),
/// then one an agent must dial by hand (preview), in phone order within each. With every phone denied,
/// the first phone's denial is the person's exclusion.
pub fn classify_person(dial_mode: DialMode, phones: &[(u32, Verdict)]) -> Classified {
    let rank = |v: &Verdict| -> u8 {
        match v.kind {
            VerdictKind::Deny => 0,
            _ if needs_preview(dial_mode, v) => 1,
            _ => 2,
        }
    };
    let Some((position, verdict)) =
        phones.iter().enumerate().max_by_key(|(i, (_, v))| (rank(v), std::cmp::Reverse(*i))).map(|(_, pv)| pv)
    else {
        return Classified {
            mode: EntryMode::Excluded,
            phone_position: None,
            conditions: ConditionSet::EMPTY,
            rules: RuleSet::EMPTY,
            reason: NO_PHONE.to_string(),
        };
    };
    match rank(verdict) {
        0 => Classified {
            mode: EntryMode::Excluded,
            phone_position: None,
            conditions: ConditionSet::EMPTY,
            rules: verdict.rules,
            reason: verdict.reason().into_owned(),
        },
        r => Classified {
            mode: if r == 1 { EntryMode::Preview } else { EntryMode::Program },
            phone_position: Some(*position),
            conditions: verdict.conditions,
            rules: RuleSet::EMPTY,
            reason: String::new(),
        },
    }
}

/// An allowed dial whose conditions say a human must dial it, in a program where the system dials.
fn needs_preview(dial_mode: DialMode, verdict: &Verdict) -> bool {
    verdict.kind == VerdictKind::AllowWithConditions
        && dial_mode.is_system_dialed()
        && verdict.conditions.contains(crate::policy::Condition::ManualDialOnly)
}

/// Which vendor (index into `shares`, in percent) gets the household (or person) `key` of a program.
/// A fixed hash of (program, key) falls into the vendors' cumulative shares, so the split is the same
/// on every snapshot and follows the shares within sampling error (±1 point at 10,000 households).
pub fn assign_vendor(program_id: i64, key: i64, shares: &[u8]) -> Option<usize> {
    let total: u32 = shares.iter().map(|&s| u32::from(s)).sum();
    if total == 0 {
        return None;
    }
    let point = (mix(program_id as u64 ^ mix(key as u64)) % u64::from(total)) as u32;
    let mut upto = 0u32;
    shares.iter().position(|&s| {
        upto += u32::from(s);
        point < upto
    })
}

/// SplitMix64's finalizer: a well-mixed, fixed function (the assignment must not change between
/// versions, so no std hasher, whose output is not promised to stay the same).
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// `HH:MM-HH:MM` in settings JSON.
mod window_text {
    use crate::policy::case_file::parse_window;
    use crate::policy::Window;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn format(w: &Window) -> String {
        let hm = |s: i32| format!("{:02}:{:02}", s / 3600, (s % 3600) / 60);
        format!("{}-{}", hm(w.open), hm(w.close))
    }

    pub fn serialize<S: Serializer>(w: &Option<Window>, s: S) -> Result<S::Ok, S::Error> {
        match w {
            Some(w) => s.serialize_str(&format(w)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Window>, D::Error> {
        match Option::<String>::deserialize(d)? {
            None => Ok(None),
            Some(t) => parse_window(&t).map(Some).ok_or_else(|| serde::de::Error::custom("window is HH:MM-HH:MM")),
        }
    }
}

pub use window_text::format as format_window;

#[cfg(test)]
mod tests;
