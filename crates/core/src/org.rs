//! Organizations, sites and engagements.

use crate::access::OrgKind;
use crate::ids::{EngagementId, OrgId, SiteId};
use crate::validate::{FecCommitteeId, Slug, StateCode};
use ipnet::IpNet;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Organization {
    pub id: OrgId,
    pub kind: OrgKind,
    pub slug: Slug,
    pub name: String,
}

/// An election the campaign takes part in; contribution limits apply per election (CR-29).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Election {
    /// `primary`, `general`, `runoff`, `special`.
    pub kind: String,
    pub date: Date,
}

/// A state registration of the committee (CR-25 asks for it in Virginia disclosures).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StateRegistration {
    pub state: StateCode,
    pub number: String,
}

/// The campaign's legal facts, read by disclosures, contribution limits and caller ID in later issues.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CampaignProfile {
    /// The committee's registered legal name (CR-5, CR-48).
    pub committee_legal_name: String,
    pub fec_committee_id: Option<FecCommitteeId>,
    #[serde(default)]
    pub state_registrations: Vec<StateRegistration>,
    #[serde(default)]
    pub candidates: Vec<String>,
    #[serde(default)]
    pub elections: Vec<Election>,
    /// "Paid for by … and authorized by …" (CR-37).
    pub paid_for_by: String,
    /// The number people can call back (CR-5, CR-14), E.164.
    pub callback_number: String,
    /// The states the campaign calls.
    #[serde(default)]
    pub calling_states: Vec<StateCode>,
}

impl CampaignProfile {
    /// Checks what cannot be expressed in the types; returns (field, reason) pairs.
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if self.committee_legal_name.trim().is_empty() {
            out.push(("committee_legal_name", "must not be empty".to_string()));
        }
        if self.paid_for_by.trim().is_empty() {
            out.push(("paid_for_by", "must not be empty".to_string()));
        }
        if let Err(reason) = crate::validate::nanp_e164(&self.callback_number) {
            out.push(("callback_number", reason));
        }
        out
    }
}

/// A vendor's call floor: its country and the networks its users must sign in from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Site {
    pub id: SiteId,
    pub vendor_id: OrgId,
    pub name: String,
    /// ISO 3166-1 alpha-2.
    pub country: String,
    pub networks: Vec<IpNet>,
}

impl Site {
    /// Sign-in from outside a site's networks is refused for that site's users. A site with no
    /// networks listed accepts none: a vendor admin must declare where the floor is.
    pub fn admits(&self, addr: IpAddr) -> bool {
        let addr = match addr {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(IpAddr::V6(v6)),
            v4 => v4,
        };
        self.networks.iter().any(|net| net.contains(&addr))
    }
}

/// A campaign's contract with a vendor.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Engagement {
    pub id: EngagementId,
    pub campaign_id: OrgId,
    pub vendor_id: OrgId,
    pub starts_on: Date,
    pub ends_on: Date,
    /// Program names or ids the engagement covers (programs arrive in a later issue).
    pub programs: Vec<String>,
    /// The voter fields the vendor's agents may see.
    pub visible_fields: Vec<String>,
    /// Set when the campaign ends the engagement early; access stops at once.
    pub ended_at_us: Option<i64>,
}

impl Engagement {
    /// Is the engagement in force on `today` (campaign's calendar), and not ended early?
    pub fn is_active_on(&self, today: Date) -> bool {
        self.ended_at_us.is_none() && self.starts_on <= today && today <= self.ends_on
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(nets: &[&str]) -> Site {
        Site {
            id: SiteId(1),
            vendor_id: OrgId(2),
            name: "Floor".into(),
            country: "US".into(),
            networks: nets.iter().map(|n| n.parse().unwrap()).collect(),
        }
    }

    #[test]
    fn a_site_admits_only_its_networks() {
        let s = site(&["10.1.0.0/16", "2001:db8::/32"]);
        assert!(s.admits("10.1.2.3".parse().unwrap()));
        assert!(!s.admits("10.2.0.1".parse().unwrap()));
        assert!(s.admits("2001:db8::1".parse().unwrap()));
        assert!(s.admits("::ffff:10.1.9.9".parse().unwrap()), "IPv4-mapped IPv6 is the IPv4 address");
        assert!(!site(&[]).admits("10.1.2.3".parse().unwrap()), "no networks admits no one");
    }

    #[test]
    fn an_engagement_is_active_between_its_dates_until_ended() {
        let mut e = Engagement {
            id: EngagementId(1),
            campaign_id: OrgId(1),
            vendor_id: OrgId(2),
            starts_on: "2026-09-01".parse().unwrap(),
            ends_on: "2026-11-03".parse().unwrap(),
            programs: vec![],
            visible_fields: vec!["first_name".into()],
            ended_at_us: None,
        };
        assert!(!e.is_active_on("2026-08-31".parse().unwrap()));
        assert!(e.is_active_on("2026-09-01".parse().unwrap()));
        assert!(e.is_active_on("2026-11-03".parse().unwrap()));
        assert!(!e.is_active_on("2026-11-04".parse().unwrap()));
        e.ended_at_us = Some(1);
        assert!(!e.is_active_on("2026-10-01".parse().unwrap()));
    }
}
