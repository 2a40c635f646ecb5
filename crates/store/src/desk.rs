//! What the agent desk shows of the person on a call: the few plain fields a script's merge fields
//! read, and nothing else (no phone, no address line, no birth date, no vote history). The calling
//! service reads it on the campaign's behalf and hands it to the vendor agent's screen.

use crate::db::Store;
use crate::error::{StoreError, StoreResult};
use crate::programs::Program;
use clearline_core::Actor;
use sqlx::Row;

/// One person as the agent desk may show them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DeskPerson {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub city: Option<String>,
    pub precinct: Option<String>,
}

impl Store {
    /// The desk's view of a person on the program's call list. `NotFound` for anyone not on it.
    pub async fn desk_person(&self, actor: &Actor, program: &Program, person_id: i64) -> StoreResult<DeskPerson> {
        crate::dial_history::dial_reader(actor)?;
        self.program_in_actor_org(actor, program).await?;
        let row = sqlx::query(
            "SELECT p.first_name, p.last_name, p.res_city, p.precinct FROM call_list_entries e \
             JOIN persons p ON p.id = e.person_id WHERE e.program_id = $1 AND e.person_id = $2",
        )
        .bind(program.id)
        .bind(person_id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        Ok(DeskPerson { first_name: row.get(0), last_name: row.get(1), city: row.get(2), precinct: row.get(3) })
    }
}
