//! Organizations, sites and engagements.

use crate::db::Store;
use crate::error::{StoreError, StoreResult};
use crate::now_us;
use clearline_core::org::{CampaignProfile, Engagement, Organization, Site};
use clearline_core::validate::{Invalid, Slug};
use clearline_core::{Actor, Capability, EngagementId, OrgId, OrgKind, Principal, SiteId};
use ipnet::IpNet;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::any::AnyRow;
use sqlx::Row;

/// Checks that a user actor holds `cap`; Clearline's own jobs (`Actor::System`) pass, anonymous fails.
pub(crate) fn require(actor: &Actor, cap: Capability) -> StoreResult<Option<&Principal>> {
    match actor {
        Actor::User(p) if p.can(cap) => Ok(Some(p)),
        Actor::User(_) | Actor::Anonymous { .. } => Err(StoreError::Forbidden(cap.as_str())),
        Actor::System { .. } => Ok(None),
    }
}

/// Like [`require`], but the action needs an organization: the principal's own, or `system_org` for jobs.
pub(crate) fn require_in_org(actor: &Actor, cap: Capability, system_org: Option<OrgId>) -> StoreResult<OrgId> {
    match require(actor, cap)? {
        Some(p) => Ok(p.org_id),
        None => system_org.ok_or(StoreError::Other("a system job must name the organization".into())),
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct NewOrganization {
    pub kind: OrgKind,
    pub slug: Slug,
    pub name: String,
    /// Campaigns only: the legal profile.
    pub profile: Option<CampaignProfile>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct NewSite {
    pub name: String,
    /// ISO 3166-1 alpha-2 country code.
    pub country: String,
    pub networks: Vec<IpNet>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct NewEngagement {
    pub vendor: Slug,
    pub starts_on: Date,
    pub ends_on: Date,
    #[serde(default)]
    pub programs: Vec<String>,
    #[serde(default)]
    pub visible_fields: Vec<String>,
}

pub(crate) fn org_from_row(row: &AnyRow) -> StoreResult<Organization> {
    let kind: String = row.get("kind");
    let slug: String = row.get("slug");
    Ok(Organization {
        id: OrgId(row.get("id")),
        kind: kind.parse().map_err(|e| StoreError::Other(format!("{e}")))?,
        slug: Slug::parse(&slug)?,
        name: row.get("name"),
    })
}

fn site_from_row(row: &AnyRow) -> StoreResult<Site> {
    let networks: String = row.get("networks_json");
    Ok(Site {
        id: SiteId(row.get("id")),
        vendor_id: OrgId(row.get("vendor_id")),
        name: row.get("name"),
        country: row.get("country"),
        networks: serde_json::from_str(&networks).map_err(|e| StoreError::Other(e.to_string()))?,
    })
}

pub(crate) fn engagement_from_row(row: &AnyRow) -> StoreResult<Engagement> {
    let parse_date = |col: &str| -> StoreResult<Date> {
        let s: String = row.get(col);
        s.parse().map_err(|_| StoreError::Other(format!("bad date in engagements.{col}")))
    };
    let list = |col: &str| -> StoreResult<Vec<String>> {
        let s: String = row.get(col);
        serde_json::from_str(&s).map_err(|e| StoreError::Other(e.to_string()))
    };
    Ok(Engagement {
        id: EngagementId(row.get("id")),
        campaign_id: OrgId(row.get("campaign_id")),
        vendor_id: OrgId(row.get("vendor_id")),
        starts_on: parse_date("starts_on")?,
        ends_on: parse_date("ends_on")?,
        programs: list("programs_json")?,
        visible_fields: list("visible_fields_json")?,
        ended_at_us: row.get("ended_at"),
    })
}

fn validate_country(country: &str) -> Result<String, Invalid> {
    let c = country.trim().to_ascii_uppercase();
    if c.len() == 2 && c.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(c)
    } else {
        Err(Invalid::new("country", "must be an ISO 3166-1 alpha-2 code such as US or PH"))
    }
}

fn nonempty(field: &'static str, value: &str, max: usize) -> Result<String, Invalid> {
    let v = value.trim();
    if v.is_empty() {
        return Err(Invalid::new(field, "must not be empty"));
    }
    if v.chars().count() > max {
        return Err(Invalid::new(field, format!("must be at most {max} characters")));
    }
    Ok(v.to_string())
}

impl Store {
    /// Creates a campaign or vendor organization (the deployment operator's job, or the demo seed).
    pub async fn create_organization(&self, actor: &Actor, new: NewOrganization) -> StoreResult<Organization> {
        require(actor, Capability::ManageOrganizations)?;
        let name = nonempty("name", &new.name, 200)?;
        let profile_json = match (new.kind, &new.profile) {
            (OrgKind::Campaign, Some(profile)) => {
                if let Some((field, reason)) = profile.problems().into_iter().next() {
                    return Err(Invalid::new(field, reason).into());
                }
                Some(serde_json::to_string(profile).expect("profile serializes"))
            }
            (OrgKind::Campaign, None) => {
                return Err(Invalid::new("profile", "a campaign needs its legal profile").into())
            }
            (OrgKind::Vendor, None) => None,
            (OrgKind::Vendor, Some(_)) => {
                return Err(Invalid::new("profile", "only campaigns carry a legal profile").into())
            }
            (OrgKind::Deployment, _) => {
                return Err(Invalid::new("kind", "there is exactly one deployment organization").into())
            }
        };
        let mut tx = self.write().await?;
        let id: i64 = sqlx::query(
            "INSERT INTO organizations (kind, slug, name, profile_json, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(new.kind.as_str())
        .bind(new.slug.as_str())
        .bind(&name)
        .bind(profile_json)
        .bind(now_us())
        .fetch_one(&mut *tx.tx)
        .await
        .map_err(StoreError::conflict_on("slug"))?
        .get(0);
        let org = OrgId(id);
        tx.start_chain(org).await?;
        let details = json!({"kind": new.kind.as_str(), "slug": new.slug.as_str()});
        tx.audit(org, actor, "organization.create", "organization", &id.to_string(), details.clone()).await?;
        tx.audit(self.deployment_org(), actor, "organization.create", "organization", &id.to_string(), details).await?;
        tx.commit().await?;
        Ok(Organization { id: org, kind: new.kind, slug: new.slug, name })
    }

    /// The actor's own organization.
    pub async fn own_organization(&self, actor: &Actor) -> StoreResult<Organization> {
        let org = require_in_org(actor, Capability::ViewOwnOrganization, None)?;
        let row = sqlx::query("SELECT id, kind, slug, name FROM organizations WHERE id = $1")
            .bind(org.0)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        org_from_row(&row)
    }

    /// Organizations the actor may know of: the operator sees all; others see their own and the
    /// organizations they are engaged with (active or not — the contract history is theirs too).
    pub async fn list_organizations(&self, actor: &Actor) -> StoreResult<Vec<Organization>> {
        let rows = match require(actor, Capability::ManageOrganizations) {
            Ok(_) => {
                sqlx::query("SELECT id, kind, slug, name FROM organizations ORDER BY kind, slug")
                    .fetch_all(&self.pool)
                    .await?
            }
            Err(_) => {
                let org = require_in_org(actor, Capability::ViewOwnOrganization, None)?;
                sqlx::query(
                    "SELECT id, kind, slug, name FROM organizations WHERE id = $1 \
                     OR id IN (SELECT vendor_id FROM engagements WHERE campaign_id = $1) \
                     OR id IN (SELECT campaign_id FROM engagements WHERE vendor_id = $1) ORDER BY kind, slug",
                )
                .bind(org.0)
                .fetch_all(&self.pool)
                .await?
            }
        };
        rows.iter().map(org_from_row).collect()
    }

    /// Looks an organization up by slug (system jobs and the CLI).
    pub async fn organization_by_slug(&self, actor: &Actor, slug: &str) -> StoreResult<Organization> {
        let row = sqlx::query("SELECT id, kind, slug, name FROM organizations WHERE slug = $1")
            .bind(slug)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        let org = org_from_row(&row)?;
        match actor {
            Actor::System { .. } => Ok(org),
            Actor::User(p) if p.org_id == org.id || p.can(Capability::ManageOrganizations) => Ok(org),
            _ => Err(StoreError::NotFound),
        }
    }

    /// A campaign's legal profile (the campaign's own staff).
    pub async fn campaign_profile(&self, actor: &Actor) -> StoreResult<CampaignProfile> {
        let org = require_in_org(actor, Capability::ViewOwnOrganization, None)?;
        let row = sqlx::query("SELECT profile_json FROM organizations WHERE id = $1 AND kind = 'campaign'")
            .bind(org.0)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        let json: String = row.get(0);
        serde_json::from_str(&json).map_err(|e| StoreError::Other(e.to_string()))
    }

    /// Replaces the campaign's legal profile.
    pub async fn update_campaign_profile(&self, actor: &Actor, profile: CampaignProfile) -> StoreResult<()> {
        let org = require_in_org(actor, Capability::EditOrganizationProfile, None)?;
        if let Some((field, reason)) = profile.problems().into_iter().next() {
            return Err(Invalid::new(field, reason).into());
        }
        let mut tx = self.write().await?;
        let done = sqlx::query("UPDATE organizations SET profile_json = $1 WHERE id = $2 AND kind = 'campaign'")
            .bind(serde_json::to_string(&profile).expect("profile serializes"))
            .bind(org.0)
            .execute(&mut *tx.tx)
            .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::NotFound);
        }
        tx.audit(org, actor, "organization.update_profile", "organization", &org.to_string(), json!({})).await?;
        tx.commit().await
    }

    /// Adds a site to the actor's vendor organization (or to `system_org` for a system job).
    pub async fn create_site(&self, actor: &Actor, system_org: Option<OrgId>, new: NewSite) -> StoreResult<Site> {
        let org = require_in_org(actor, Capability::ManageSites, system_org)?;
        let name = nonempty("name", &new.name, 200)?;
        let country = validate_country(&new.country)?;
        let mut tx = self.write().await?;
        let kind: Option<String> = sqlx::query("SELECT kind FROM organizations WHERE id = $1")
            .bind(org.0)
            .fetch_optional(&mut *tx.tx)
            .await?
            .map(|r| r.get(0));
        if kind.as_deref() != Some("vendor") {
            return Err(Invalid::new("organization", "only vendors have sites").into());
        }
        let id: i64 = sqlx::query(
            "INSERT INTO sites (vendor_id, name, country, networks_json, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(org.0)
        .bind(&name)
        .bind(&country)
        .bind(serde_json::to_string(&new.networks).expect("networks serialize"))
        .bind(now_us())
        .fetch_one(&mut *tx.tx)
        .await
        .map_err(StoreError::conflict_on("name"))?
        .get(0);
        let details = json!({"country": country, "networks": new.networks.len()});
        tx.audit(org, actor, "site.create", "site", &id.to_string(), details).await?;
        tx.commit().await?;
        Ok(Site { id: SiteId(id), vendor_id: org, name, country, networks: new.networks })
    }

    /// The sites of the actor's vendor organization.
    pub async fn list_sites(&self, actor: &Actor) -> StoreResult<Vec<Site>> {
        let org = require_in_org(actor, Capability::ViewOwnOrganization, None)?;
        self.sites_of(actor, org).await
    }

    /// The sites of `vendor`: its own users, or a system job.
    pub async fn sites_of(&self, actor: &Actor, vendor: OrgId) -> StoreResult<Vec<Site>> {
        let org = require_in_org(actor, Capability::ViewOwnOrganization, Some(vendor))?;
        if org != vendor {
            return Err(StoreError::NotFound);
        }
        let rows = sqlx::query(
            "SELECT id, vendor_id, name, country, networks_json FROM sites WHERE vendor_id = $1 ORDER BY name",
        )
        .bind(org.0)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(site_from_row).collect()
    }

    /// One site, for the sign-in network check (no actor yet: the caller is signing in).
    pub(crate) async fn site_by_id(&self, id: SiteId) -> StoreResult<Site> {
        let row = sqlx::query("SELECT id, vendor_id, name, country, networks_json FROM sites WHERE id = $1")
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        site_from_row(&row)
    }

    /// Engages a vendor (campaign owners and admins).
    pub async fn create_engagement(
        &self,
        actor: &Actor,
        system_org: Option<OrgId>,
        new: NewEngagement,
    ) -> StoreResult<Engagement> {
        let campaign = require_in_org(actor, Capability::ManageEngagements, system_org)?;
        if new.ends_on < new.starts_on {
            return Err(Invalid::new("ends_on", "must not be before starts_on").into());
        }
        for field in &new.visible_fields {
            if field.is_empty() || !field.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_') {
                return Err(Invalid::new("visible_fields", "field names are snake_case identifiers").into());
            }
        }
        let mut tx = self.write().await?;
        let vendor: i64 = sqlx::query("SELECT id FROM organizations WHERE slug = $1 AND kind = 'vendor'")
            .bind(new.vendor.as_str())
            .fetch_optional(&mut *tx.tx)
            .await?
            .ok_or(Invalid::new("vendor", "no vendor has this slug"))?
            .get(0);
        let campaign_kind: String = sqlx::query("SELECT kind FROM organizations WHERE id = $1")
            .bind(campaign.0)
            .fetch_one(&mut *tx.tx)
            .await?
            .get(0);
        if campaign_kind != "campaign" {
            return Err(Invalid::new("organization", "only campaigns engage vendors").into());
        }
        let id: i64 = sqlx::query(
            "INSERT INTO engagements (campaign_id, vendor_id, starts_on, ends_on, programs_json, visible_fields_json, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(campaign.0)
        .bind(vendor)
        .bind(new.starts_on.to_string())
        .bind(new.ends_on.to_string())
        .bind(serde_json::to_string(&new.programs).expect("list serializes"))
        .bind(serde_json::to_string(&new.visible_fields).expect("list serializes"))
        .bind(now_us())
        .fetch_one(&mut *tx.tx)
        .await?
        .get(0);
        let details = json!({
            "vendor_id": vendor,
            "starts_on": new.starts_on.to_string(),
            "ends_on": new.ends_on.to_string(),
            "visible_fields": new.visible_fields,
        });
        tx.audit(campaign, actor, "engagement.create", "engagement", &id.to_string(), details.clone()).await?;
        tx.audit(OrgId(vendor), actor, "engagement.create", "engagement", &id.to_string(), details).await?;
        tx.commit().await?;
        Ok(Engagement {
            id: EngagementId(id),
            campaign_id: campaign,
            vendor_id: OrgId(vendor),
            starts_on: new.starts_on,
            ends_on: new.ends_on,
            programs: new.programs,
            visible_fields: new.visible_fields,
            ended_at_us: None,
        })
    }

    /// Engagements of the actor's organization, from either side.
    pub async fn list_engagements(&self, actor: &Actor) -> StoreResult<Vec<Engagement>> {
        let org = require_in_org(actor, Capability::ViewEngagements, None)?;
        self.engagements_of(actor, org).await
    }

    /// Engagements of `org` (either side): its own users, or a system job.
    pub async fn engagements_of(&self, actor: &Actor, org_id: OrgId) -> StoreResult<Vec<Engagement>> {
        let org = require_in_org(actor, Capability::ViewEngagements, Some(org_id))?;
        if org != org_id {
            return Err(StoreError::NotFound);
        }
        let rows =
            sqlx::query("SELECT * FROM engagements WHERE campaign_id = $1 OR vendor_id = $1 ORDER BY starts_on, id")
                .bind(org.0)
                .fetch_all(&self.pool)
                .await?;
        rows.iter().map(engagement_from_row).collect()
    }

    /// Ends an engagement now: the vendor's access to the campaign stops at once.
    pub async fn end_engagement(&self, actor: &Actor, id: EngagementId) -> StoreResult<()> {
        let campaign = require_in_org(actor, Capability::ManageEngagements, None)?;
        let mut tx = self.write().await?;
        let row =
            sqlx::query("SELECT vendor_id FROM engagements WHERE id = $1 AND campaign_id = $2 AND ended_at IS NULL")
                .bind(id.0)
                .bind(campaign.0)
                .fetch_optional(&mut *tx.tx)
                .await?
                .ok_or(StoreError::NotFound)?;
        let vendor: i64 = row.get(0);
        sqlx::query("UPDATE engagements SET ended_at = $1 WHERE id = $2")
            .bind(now_us())
            .bind(id.0)
            .execute(&mut *tx.tx)
            .await?;
        tx.audit(campaign, actor, "engagement.end", "engagement", &id.to_string(), json!({"vendor_id": vendor}))
            .await?;
        tx.audit(
            OrgId(vendor),
            actor,
            "engagement.end",
            "engagement",
            &id.to_string(),
            json!({"campaign_id": campaign.0}),
        )
        .await?;
        tx.commit().await
    }

    /// The engagement through which a vendor user reaches `campaign` today, if one is in force.
    /// Every later cross-tenant read (programs, voter fields) goes through this.
    pub async fn active_engagement(&self, actor: &Actor, campaign: OrgId, today: Date) -> StoreResult<Engagement> {
        let Some(p) = actor.principal() else {
            return Err(StoreError::NotFound);
        };
        if p.org_kind != OrgKind::Vendor {
            return Err(StoreError::NotFound);
        }
        let rows = sqlx::query("SELECT * FROM engagements WHERE campaign_id = $1 AND vendor_id = $2")
            .bind(campaign.0)
            .bind(p.org_id.0)
            .fetch_all(&self.pool)
            .await?;
        for row in &rows {
            let e = engagement_from_row(row)?;
            if e.is_active_on(today) {
                return Ok(e);
            }
        }
        Err(StoreError::NotFound)
    }
}
