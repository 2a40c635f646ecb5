//! Roles and capabilities: the one place that says who may do what.
//!
//! Deny by default: a role has exactly the capabilities listed in [`Role::capabilities`]; a route or a
//! command names the capability it needs and nothing else grants it. Baseline rules (extend, never loosen):
//! - the operator runs the deployment but has no capability over any campaign's data;
//! - an analyst sees results but cannot export personal data;
//! - a vendor user sees nothing of another vendor, and nothing of a campaign outside its engagements;
//! - an agent has the agent desk and nothing else;
//! - only campaign roles edit scripts, targeting and lists (CR-31: foreign-national and offshore staff
//!   take no part in election decisions, and vendor staff are where offshore staff sit).

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// What kind of organization a user belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    /// Owns voter data, scripts and results.
    Campaign,
    /// A call-center agency that places calls for campaigns.
    Vendor,
    /// The organization of the people who run this deployment.
    Deployment,
}

impl OrgKind {
    pub const ALL: [OrgKind; 3] = [OrgKind::Campaign, OrgKind::Vendor, OrgKind::Deployment];

    pub fn as_str(self) -> &'static str {
        match self {
            OrgKind::Campaign => "campaign",
            OrgKind::Vendor => "vendor",
            OrgKind::Deployment => "deployment",
        }
    }
}

impl FromStr for OrgKind {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        OrgKind::ALL.into_iter().find(|k| k.as_str() == s).ok_or_else(|| UnknownName::new("organization kind", s))
    }
}

/// A name that is not one of the known values (a role, a kind...).
#[derive(Debug, thiserror::Error)]
#[error("unknown {what} {value:?}")]
pub struct UnknownName {
    pub what: &'static str,
    pub value: String,
}

impl UnknownName {
    fn new(what: &'static str, value: &str) -> Self {
        // Role and kind names are not personal data; cap the echo so a hostile value cannot flood a log.
        UnknownName { what, value: value.chars().take(40).collect() }
    }
}

/// Every role in Clearline. A user holds exactly one role in exactly one organization.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    // Campaign roles.
    Owner,
    Admin,
    DataManager,
    ProgramManager,
    ScriptApprover,
    ComplianceOfficer,
    Analyst,
    // Vendor roles.
    VendorAdmin,
    Supervisor,
    Agent,
    // Deployment role.
    Operator,
}

impl Role {
    pub const ALL: [Role; 11] = [
        Role::Owner,
        Role::Admin,
        Role::DataManager,
        Role::ProgramManager,
        Role::ScriptApprover,
        Role::ComplianceOfficer,
        Role::Analyst,
        Role::VendorAdmin,
        Role::Supervisor,
        Role::Agent,
        Role::Operator,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::DataManager => "data_manager",
            Role::ProgramManager => "program_manager",
            Role::ScriptApprover => "script_approver",
            Role::ComplianceOfficer => "compliance_officer",
            Role::Analyst => "analyst",
            Role::VendorAdmin => "vendor_admin",
            Role::Supervisor => "supervisor",
            Role::Agent => "agent",
            Role::Operator => "operator",
        }
    }

    /// A human-readable label for pages.
    pub fn label(self) -> &'static str {
        match self {
            Role::Owner => "Owner",
            Role::Admin => "Admin",
            Role::DataManager => "Data manager",
            Role::ProgramManager => "Program manager",
            Role::ScriptApprover => "Script approver",
            Role::ComplianceOfficer => "Compliance officer",
            Role::Analyst => "Analyst",
            Role::VendorAdmin => "Vendor admin",
            Role::Supervisor => "Supervisor",
            Role::Agent => "Agent",
            Role::Operator => "Operator",
        }
    }

    /// The kind of organization this role exists in.
    pub fn org_kind(self) -> OrgKind {
        match self {
            Role::Owner
            | Role::Admin
            | Role::DataManager
            | Role::ProgramManager
            | Role::ScriptApprover
            | Role::ComplianceOfficer
            | Role::Analyst => OrgKind::Campaign,
            Role::VendorAdmin | Role::Supervisor | Role::Agent => OrgKind::Vendor,
            Role::Operator => OrgKind::Deployment,
        }
    }

    /// Owners and admins of campaigns and vendors, and the operator, must use a second factor by default.
    pub fn requires_second_factor_by_default(self) -> bool {
        matches!(self, Role::Owner | Role::Admin | Role::VendorAdmin | Role::Operator)
    }

    /// The roles an administrator of `self`'s organization may hand out.
    pub fn roles_of_kind(kind: OrgKind) -> impl Iterator<Item = Role> {
        Role::ALL.into_iter().filter(move |r| r.org_kind() == kind)
    }

    /// Does this role hold `cap`? Deny by default: only the table in [`Role::capabilities`] grants.
    pub fn can(self, cap: Capability) -> bool {
        self.capabilities().contains(&cap)
    }

    /// The complete grant table.
    pub fn capabilities(self) -> &'static [Capability] {
        use Capability::*;
        match self {
            // The owner answers for every word the campaign's callers say, so approves scripts too
            // (CR-31); an admin runs the organization but does not.
            Role::Owner => &[
                ViewOwnOrganization,
                EditOrganizationProfile,
                ManageUsers,
                ViewEngagements,
                ManageEngagements,
                ViewAuditLog,
                ExportAuditLog,
                ManageOwnApiTokens,
                EditScripts,
                ApproveScripts,
                EditTargeting,
                EditLists,
                ViewResults,
                ExportPersonalData,
                ManageDoNotCall,
                ManagePrograms,
                ExplainDials,
            ],
            Role::Admin => &[
                ViewOwnOrganization,
                EditOrganizationProfile,
                ManageUsers,
                ViewEngagements,
                ManageEngagements,
                ViewAuditLog,
                ExportAuditLog,
                ManageOwnApiTokens,
                EditScripts,
                EditTargeting,
                EditLists,
                ViewResults,
                ExportPersonalData,
                ManageDoNotCall,
                ManagePrograms,
                ExplainDials,
            ],
            Role::DataManager => &[
                ViewOwnOrganization,
                ViewEngagements,
                ViewAuditLog,
                ManageOwnApiTokens,
                EditTargeting,
                EditLists,
                ViewResults,
                ExportPersonalData,
                ManageDoNotCall,
                ExplainDials,
            ],
            Role::ProgramManager => &[
                ViewOwnOrganization,
                ViewEngagements,
                ManageOwnApiTokens,
                EditScripts,
                EditTargeting,
                ViewResults,
                ManagePrograms,
                ExplainDials,
            ],
            Role::ScriptApprover => &[ViewOwnOrganization, ManageOwnApiTokens, EditScripts, ApproveScripts],
            Role::ComplianceOfficer => &[
                ViewOwnOrganization,
                ViewEngagements,
                ViewAuditLog,
                ExportAuditLog,
                ManageOwnApiTokens,
                ViewResults,
                ManageDoNotCall,
                ExplainDials,
            ],
            Role::Analyst => &[ViewOwnOrganization, ManageOwnApiTokens, ViewResults],
            Role::VendorAdmin => &[
                ViewOwnOrganization,
                EditOrganizationProfile,
                ManageUsers,
                ManageSites,
                ViewEngagements,
                ViewAuditLog,
                ExportAuditLog,
                ManageOwnApiTokens,
                ManageVendorDoNotCall,
            ],
            Role::Supervisor => &[ViewOwnOrganization, ViewEngagements, ManageOwnApiTokens, SuperviseFloor],
            Role::Agent => &[UseAgentDesk],
            Role::Operator => &[
                ViewOwnOrganization,
                ManageUsers,
                ViewAuditLog,
                ExportAuditLog,
                ManageOwnApiTokens,
                ManageOrganizations,
            ],
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL.into_iter().find(|r| r.as_str() == s).ok_or_else(|| UnknownName::new("role", s))
    }
}

/// What a principal may do. Every route and command names exactly one (or none, for public pages).
/// Capabilities act within the principal's own organization; cross-organization reach (a vendor seeing
/// a campaign's program) always goes through an active engagement, checked by the store.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Capability {
    /// See one's own organization's profile.
    ViewOwnOrganization,
    /// Edit one's own organization's profile (a campaign's legal profile, a vendor's name).
    EditOrganizationProfile,
    /// Invite users, change roles, reset passwords and second factors — within one's own organization.
    ManageUsers,
    /// Create and edit a vendor's sites and their networks.
    ManageSites,
    /// See engagements (a campaign's with its vendors; a vendor's with its campaigns).
    ViewEngagements,
    /// Engage, change and end vendors (campaign side only).
    ManageEngagements,
    /// Read the organization's audit log.
    ViewAuditLog,
    /// Export the organization's audit log.
    ExportAuditLog,
    /// Create and revoke one's own API tokens.
    ManageOwnApiTokens,
    /// Write script versions (campaign roles only, CR-31).
    EditScripts,
    /// Approve script versions (campaign script approver, owner — CR-31).
    ApproveScripts,
    /// Build universes and targeting (campaign roles only, CR-31).
    EditTargeting,
    /// Import and edit voter lists (campaign roles only, CR-31).
    EditLists,
    /// See aggregate results: toplines, rates, dashboards.
    ViewResults,
    /// Export files that contain personal data.
    ExportPersonalData,
    /// Set up programs and snapshot their call lists (campaign roles only, CR-31). Building a call list
    /// opens the numbers inside the server for the contact policy; none is shown.
    ManagePrograms,
    /// Keep the campaign's do-not-call list and consent records (CR-47, CR-50).
    ManageDoNotCall,
    /// Keep the vendor's own do-not-call list, which every campaign's calls through the vendor honour
    /// (CR-47, CR-7; vendor side). Adding to it only ever stops calls; no number is ever shown.
    ManageVendorDoNotCall,
    /// See why one person of a program may or may not be called now, and when next: the call-list
    /// entry and the contact policy's verdict for the program's phone. The number is opened inside the
    /// server for the engine; only its area code and line type are shown.
    ExplainDials,
    /// The supervisor's wallboard.
    SuperviseFloor,
    /// The agent desk.
    UseAgentDesk,
    /// Create organizations and their first owners (deployment operator only).
    ManageOrganizations,
}

impl Capability {
    pub fn as_str(self) -> &'static str {
        match self {
            Capability::ViewOwnOrganization => "view_own_organization",
            Capability::EditOrganizationProfile => "edit_organization_profile",
            Capability::ManageUsers => "manage_users",
            Capability::ManageSites => "manage_sites",
            Capability::ViewEngagements => "view_engagements",
            Capability::ManageEngagements => "manage_engagements",
            Capability::ViewAuditLog => "view_audit_log",
            Capability::ExportAuditLog => "export_audit_log",
            Capability::ManageOwnApiTokens => "manage_own_api_tokens",
            Capability::EditScripts => "edit_scripts",
            Capability::ApproveScripts => "approve_scripts",
            Capability::EditTargeting => "edit_targeting",
            Capability::EditLists => "edit_lists",
            Capability::ViewResults => "view_results",
            Capability::ExportPersonalData => "export_personal_data",
            Capability::ManagePrograms => "manage_programs",
            Capability::ManageDoNotCall => "manage_do_not_call",
            Capability::ManageVendorDoNotCall => "manage_vendor_do_not_call",
            Capability::ExplainDials => "explain_dials",
            Capability::SuperviseFloor => "supervise_floor",
            Capability::UseAgentDesk => "use_agent_desk",
            Capability::ManageOrganizations => "manage_organizations",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_name_round_trips() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>().unwrap(), role);
        }
        assert!("root".parse::<Role>().is_err());
    }

    #[test]
    fn operator_has_no_capability_over_campaign_data() {
        for cap in [
            Capability::EditScripts,
            Capability::EditTargeting,
            Capability::EditLists,
            Capability::ViewResults,
            Capability::ExportPersonalData,
            Capability::ManagePrograms,
            Capability::UseAgentDesk,
            Capability::SuperviseFloor,
        ] {
            assert!(!Role::Operator.can(cap), "operator must not hold {cap:?}");
        }
    }

    #[test]
    fn only_campaign_roles_edit_scripts_targeting_and_lists_cr31() {
        for role in Role::ALL {
            for cap in
                [Capability::EditScripts, Capability::ApproveScripts, Capability::EditTargeting, Capability::EditLists]
            {
                if role.can(cap) {
                    assert_eq!(role.org_kind(), OrgKind::Campaign, "{role} must not hold {cap:?}");
                }
            }
        }
    }

    #[test]
    fn scripts_are_approved_by_the_script_approver_and_the_owner_only_cr31() {
        let approvers: Vec<Role> = Role::ALL.into_iter().filter(|r| r.can(Capability::ApproveScripts)).collect();
        assert_eq!(approvers, vec![Role::Owner, Role::ScriptApprover]);
    }

    #[test]
    fn analyst_sees_results_but_cannot_export_personal_data() {
        assert!(Role::Analyst.can(Capability::ViewResults));
        assert!(!Role::Analyst.can(Capability::ExportPersonalData));
    }

    #[test]
    fn the_do_not_call_list_is_kept_by_campaign_staff_who_handle_opt_outs() {
        let keepers: Vec<Role> = Role::ALL.into_iter().filter(|r| r.can(Capability::ManageDoNotCall)).collect();
        assert_eq!(keepers, vec![Role::Owner, Role::Admin, Role::DataManager, Role::ComplianceOfficer]);
        let vendor_keepers: Vec<Role> =
            Role::ALL.into_iter().filter(|r| r.can(Capability::ManageVendorDoNotCall)).collect();
        assert_eq!(vendor_keepers, vec![Role::VendorAdmin], "a vendor's own list is its admin's");
    }

    #[test]
    fn agent_has_the_desk_and_nothing_else() {
        assert_eq!(Role::Agent.capabilities(), &[Capability::UseAgentDesk]);
    }

    #[test]
    fn engagements_are_managed_by_campaigns_only() {
        for role in Role::ALL {
            if role.can(Capability::ManageEngagements) {
                assert_eq!(role.org_kind(), OrgKind::Campaign);
            }
        }
    }
}
