//! The layouts: their columns, as the states publish them, and where each column goes.

use crate::encoding::TextEncoding;
use crate::mapping::ColumnMapping;
use crate::PhoneKind;
use std::str::FromStr;

/// A voter-file layout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Layout {
    /// North Carolina statewide (`ncvoter_Statewide`): tab-separated, no quoting, Latin-1, header.
    Nc,
    /// Ohio SWVF: comma-separated, every field double-quoted, UTF-8, header, then one column per election.
    Oh,
    /// Florida voter extract: tab-separated, no quoting, Latin-1, no header, 38 fields.
    Fl,
    /// Washington VRDB: pipe-separated, no quoting, windows-1252, header.
    Wa,
    /// Clearline's own CSV (UTF-8, header, RFC 4180 quoting); see the crate README.
    Generic,
    /// A user-saved mapping for any delimited file.
    Mapping(ColumnMapping),
}

/// The error of [`Layout::from_str`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown layout (expected nc, oh, fl, wa or generic)")]
pub struct UnknownLayout;

impl FromStr for Layout {
    type Err = UnknownLayout;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "nc" => Ok(Layout::Nc),
            "oh" => Ok(Layout::Oh),
            "fl" => Ok(Layout::Fl),
            "wa" => Ok(Layout::Wa),
            "generic" => Ok(Layout::Generic),
            _ => Err(UnknownLayout),
        }
    }
}

impl Layout {
    /// The short name (`nc`, `oh`, `fl`, `wa`, `generic`, `mapping`).
    pub fn name(&self) -> &'static str {
        match self {
            Layout::Nc => "nc",
            Layout::Oh => "oh",
            Layout::Fl => "fl",
            Layout::Wa => "wa",
            Layout::Generic => "generic",
            Layout::Mapping(_) => "mapping",
        }
    }

    /// The encoding used when none is declared (`None`: detect, for a mapping that names none).
    pub fn default_encoding(&self) -> Option<TextEncoding> {
        match self {
            Layout::Nc | Layout::Fl => Some(TextEncoding::Latin1),
            Layout::Wa => Some(TextEncoding::Windows1252),
            Layout::Oh | Layout::Generic => Some(TextEncoding::Utf8),
            Layout::Mapping(m) => m.encoding,
        }
    }

    /// The two-letter state of a state layout.
    pub fn state(&self) -> Option<&'static str> {
        match self {
            Layout::Nc => Some("NC"),
            Layout::Oh => Some("OH"),
            Layout::Fl => Some("FL"),
            Layout::Wa => Some("WA"),
            Layout::Generic | Layout::Mapping(_) => None,
        }
    }
}

/// North Carolina `layout_ncvoter.txt` (updated 02/11/2022): the 67 columns in file order.
pub const NC_COLUMNS: [&str; 67] = [
    "county_id",
    "county_desc",
    "voter_reg_num",
    "ncid",
    "last_name",
    "first_name",
    "middle_name",
    "name_suffix_lbl",
    "status_cd",
    "voter_status_desc",
    "reason_cd",
    "voter_status_reason_desc",
    "res_street_address",
    "res_city_desc",
    "state_cd",
    "zip_code",
    "mail_addr1",
    "mail_addr2",
    "mail_addr3",
    "mail_addr4",
    "mail_city",
    "mail_state",
    "mail_zipcode",
    "full_phone_number",
    "confidential_ind",
    "registr_dt",
    "race_code",
    "ethnic_code",
    "party_cd",
    "gender_code",
    "birth_year",
    "age_at_year_end",
    "birth_state",
    "drivers_lic",
    "precinct_abbrv",
    "precinct_desc",
    "municipality_abbrv",
    "municipality_desc",
    "ward_abbrv",
    "ward_desc",
    "cong_dist_abbrv",
    "super_court_abbrv",
    "judic_dist_abbrv",
    "nc_senate_abbrv",
    "nc_house_abbrv",
    "county_commiss_abbrv",
    "county_commiss_desc",
    "township_abbrv",
    "township_desc",
    "school_dist_abbrv",
    "school_dist_desc",
    "fire_dist_abbrv",
    "fire_dist_desc",
    "water_dist_abbrv",
    "water_dist_desc",
    "sewer_dist_abbrv",
    "sewer_dist_desc",
    "sanit_dist_abbrv",
    "sanit_dist_desc",
    "rescue_dist_abbrv",
    "rescue_dist_desc",
    "munic_dist_abbrv",
    "munic_dist_desc",
    "dist_1_abbrv",
    "dist_1_desc",
    "vtd_abbrv",
    "vtd_desc",
];

/// Ohio SWVF: the fixed columns, before the one-per-election columns.
pub const OH_COLUMNS: [&str; 46] = [
    "SOS_VOTERID",
    "COUNTY_NUMBER",
    "COUNTY_ID",
    "LAST_NAME",
    "FIRST_NAME",
    "MIDDLE_NAME",
    "SUFFIX",
    "DATE_OF_BIRTH",
    "REGISTRATION_DATE",
    "VOTER_STATUS",
    "PARTY_AFFILIATION",
    "RESIDENTIAL_ADDRESS1",
    "RESIDENTIAL_SECONDARY_ADDR",
    "RESIDENTIAL_CITY",
    "RESIDENTIAL_STATE",
    "RESIDENTIAL_ZIP",
    "RESIDENTIAL_ZIP_PLUS4",
    "RESIDENTIAL_COUNTRY",
    "RESIDENTIAL_POSTALCODE",
    "MAILING_ADDRESS1",
    "MAILING_SECONDARY_ADDRESS",
    "MAILING_CITY",
    "MAILING_STATE",
    "MAILING_ZIP",
    "MAILING_ZIP_PLUS4",
    "MAILING_COUNTRY",
    "MAILING_POSTAL_CODE",
    "CAREER_CENTER",
    "CITY",
    "CITY_SCHOOL_DISTRICT",
    "COUNTY_COURT_DISTRICT",
    "CONGRESSIONAL_DISTRICT",
    "COURT_OF_APPEALS",
    "EDU_SERVICE_CENTER_DISTRICT",
    "EXEMPTED_VILL_SCHOOL_DISTRICT",
    "LIBRARY",
    "LOCAL_SCHOOL_DISTRICT",
    "MUNICIPAL_COURT_DISTRICT",
    "PRECINCT_NAME",
    "PRECINCT_CODE",
    "STATE_BOARD_OF_EDUCATION",
    "STATE_REPRESENTATIVE_DISTRICT",
    "STATE_SENATE_DISTRICT",
    "TOWNSHIP",
    "VILLAGE",
    "WARD",
];

/// The election columns the generator writes after [`OH_COLUMNS`] (Ohio's statewide primaries,
/// specials and generals, 2016–2024). The reader accepts any column named `WORD-MM/DD/YYYY`.
pub const OH_ELECTIONS: [&str; 20] = [
    "PRIMARY-03/15/2016",
    "GENERAL-11/08/2016",
    "PRIMARY-05/02/2017",
    "GENERAL-11/07/2017",
    "PRIMARY-05/08/2018",
    "GENERAL-11/06/2018",
    "PRIMARY-05/07/2019",
    "GENERAL-11/05/2019",
    "PRIMARY-03/17/2020",
    "GENERAL-11/03/2020",
    "PRIMARY-05/04/2021",
    "GENERAL-11/02/2021",
    "PRIMARY-05/03/2022",
    "PRIMARY-08/02/2022",
    "GENERAL-11/08/2022",
    "PRIMARY-05/02/2023",
    "SPECIAL-08/08/2023",
    "GENERAL-11/07/2023",
    "PRIMARY-03/19/2024",
    "GENERAL-11/05/2024",
];

/// Florida voter extract: the 38 fields in order (the file has no header; these names are used for
/// [`crate::CanonicalFields::extra`]).
pub const FL_COLUMNS: [&str; 38] = [
    "County Code",
    "Voter ID",
    "Name Last",
    "Name Suffix",
    "Name First",
    "Name Middle",
    "Requested public records exemption",
    "Residence Address Line 1",
    "Residence Address Line 2",
    "Residence City (USPS)",
    "Residence State",
    "Residence Zipcode",
    "Mailing Address Line 1",
    "Mailing Address Line 2",
    "Mailing Address Line 3",
    "Mailing City",
    "Mailing State",
    "Mailing Zipcode",
    "Mailing Country",
    "Gender",
    "Race",
    "Birth Date",
    "Registration Date",
    "Party Affiliation",
    "Precinct",
    "Precinct Group",
    "Precinct Split",
    "Precinct Suffix",
    "Voter Status",
    "Congressional District",
    "House District",
    "Senate District",
    "County Commission District",
    "School Board District",
    "Daytime Area Code",
    "Daytime Phone Number",
    "Daytime Phone Extension",
    "Email address",
];

/// Washington VRDB: the 33 columns in order.
pub const WA_COLUMNS: [&str; 33] = [
    "StateVoterID",
    "FName",
    "MName",
    "LName",
    "NameSuffix",
    "Birthyear",
    "Gender",
    "RegStNum",
    "RegStFrac",
    "RegStName",
    "RegStType",
    "RegUnitType",
    "RegStPreDirection",
    "RegStPostDirection",
    "RegStUnitNum",
    "RegCity",
    "RegState",
    "RegZipCode",
    "CountyCode",
    "PrecinctCode",
    "PrecinctPart",
    "LegislativeDistrict",
    "CongressionalDistrict",
    "Mail1",
    "Mail2",
    "Mail3",
    "MailCity",
    "MailZip",
    "MailState",
    "MailCountry",
    "Registrationdate",
    "LastVoted",
    "StatusCode",
];

/// Clearline's generic CSV layout: the 29 columns the generator writes, in order (the reader accepts
/// them in any order; see the crate README).
pub const GENERIC_COLUMNS: [&str; 29] = [
    "voter_id",
    "first_name",
    "middle_name",
    "last_name",
    "name_suffix",
    "res_address",
    "res_city",
    "res_state",
    "res_zip",
    "county",
    "birth_year",
    "birth_date",
    "gender",
    "race",
    "party",
    "voter_status",
    "registration_date",
    "precinct",
    "congressional_district",
    "state_house_district",
    "state_senate_district",
    "home_phone",
    "home_phone_line_type",
    "cell_phone",
    "cell_phone_line_type",
    "work_phone",
    "work_phone_line_type",
    "email",
    "vote_history",
];

/// The 20 single-valued canonical fields, as indexes into the reader's plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Field {
    FirstName,
    MiddleName,
    LastName,
    NameSuffix,
    ResAddress,
    ResCity,
    ResState,
    ResZip,
    County,
    BirthYear,
    BirthDate,
    Gender,
    Race,
    Party,
    VoterStatus,
    RegistrationDate,
    Precinct,
    CongressionalDistrict,
    StateHouseDistrict,
    StateSenateDistrict,
}

pub(crate) const FIELD_COUNT: usize = 20;

/// Where a column's value goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target {
    Key,
    Field(Field),
    Phone(PhoneKind),
    LineType(PhoneKind),
    /// Florida's split daytime phone.
    PhoneArea,
    PhoneNumber,
    PhoneExt,
    Email,
    /// The generic layout's packed `election=how;…` column.
    VoteHistoryPacked,
    /// A mapped column holding one election (the column's name is the election).
    Election,
}

use Field as F;
use Target as T;

/// Known columns of a preset layout: where each goes. A column may appear twice (Washington's
/// legislative district is both the house and the senate district). Entries of one field are joined in
/// table order with single spaces.
pub(crate) fn preset_targets(layout: &Layout) -> &'static [(&'static str, Target)] {
    match layout {
        Layout::Nc => &[
            ("ncid", T::Key),
            ("first_name", T::Field(F::FirstName)),
            ("middle_name", T::Field(F::MiddleName)),
            ("last_name", T::Field(F::LastName)),
            ("name_suffix_lbl", T::Field(F::NameSuffix)),
            ("res_street_address", T::Field(F::ResAddress)),
            ("res_city_desc", T::Field(F::ResCity)),
            ("state_cd", T::Field(F::ResState)),
            ("zip_code", T::Field(F::ResZip)),
            ("county_desc", T::Field(F::County)),
            ("birth_year", T::Field(F::BirthYear)),
            ("gender_code", T::Field(F::Gender)),
            ("race_code", T::Field(F::Race)),
            ("party_cd", T::Field(F::Party)),
            ("status_cd", T::Field(F::VoterStatus)),
            ("registr_dt", T::Field(F::RegistrationDate)),
            ("precinct_abbrv", T::Field(F::Precinct)),
            ("cong_dist_abbrv", T::Field(F::CongressionalDistrict)),
            ("nc_house_abbrv", T::Field(F::StateHouseDistrict)),
            ("nc_senate_abbrv", T::Field(F::StateSenateDistrict)),
            ("full_phone_number", T::Phone(PhoneKind::Other)),
        ],
        Layout::Oh => &[
            ("SOS_VOTERID", T::Key),
            ("COUNTY_NUMBER", T::Field(F::County)),
            ("LAST_NAME", T::Field(F::LastName)),
            ("FIRST_NAME", T::Field(F::FirstName)),
            ("MIDDLE_NAME", T::Field(F::MiddleName)),
            ("SUFFIX", T::Field(F::NameSuffix)),
            ("DATE_OF_BIRTH", T::Field(F::BirthDate)),
            ("REGISTRATION_DATE", T::Field(F::RegistrationDate)),
            ("VOTER_STATUS", T::Field(F::VoterStatus)),
            ("PARTY_AFFILIATION", T::Field(F::Party)),
            ("RESIDENTIAL_ADDRESS1", T::Field(F::ResAddress)),
            ("RESIDENTIAL_SECONDARY_ADDR", T::Field(F::ResAddress)),
            ("RESIDENTIAL_CITY", T::Field(F::ResCity)),
            ("RESIDENTIAL_STATE", T::Field(F::ResState)),
            ("RESIDENTIAL_ZIP", T::Field(F::ResZip)),
            ("CONGRESSIONAL_DISTRICT", T::Field(F::CongressionalDistrict)),
            ("PRECINCT_CODE", T::Field(F::Precinct)),
            ("STATE_REPRESENTATIVE_DISTRICT", T::Field(F::StateHouseDistrict)),
            ("STATE_SENATE_DISTRICT", T::Field(F::StateSenateDistrict)),
        ],
        Layout::Fl => &[
            ("Voter ID", T::Key),
            ("Name Last", T::Field(F::LastName)),
            ("Name Suffix", T::Field(F::NameSuffix)),
            ("Name First", T::Field(F::FirstName)),
            ("Name Middle", T::Field(F::MiddleName)),
            ("Residence Address Line 1", T::Field(F::ResAddress)),
            ("Residence Address Line 2", T::Field(F::ResAddress)),
            ("Residence City (USPS)", T::Field(F::ResCity)),
            ("Residence State", T::Field(F::ResState)),
            ("Residence Zipcode", T::Field(F::ResZip)),
            ("County Code", T::Field(F::County)),
            ("Gender", T::Field(F::Gender)),
            ("Race", T::Field(F::Race)),
            ("Birth Date", T::Field(F::BirthDate)),
            ("Registration Date", T::Field(F::RegistrationDate)),
            ("Party Affiliation", T::Field(F::Party)),
            ("Precinct", T::Field(F::Precinct)),
            ("Voter Status", T::Field(F::VoterStatus)),
            ("Congressional District", T::Field(F::CongressionalDistrict)),
            ("House District", T::Field(F::StateHouseDistrict)),
            ("Senate District", T::Field(F::StateSenateDistrict)),
            ("Daytime Area Code", T::PhoneArea),
            ("Daytime Phone Number", T::PhoneNumber),
            ("Daytime Phone Extension", T::PhoneExt),
            ("Email address", T::Email),
        ],
        Layout::Wa => &[
            ("StateVoterID", T::Key),
            ("FName", T::Field(F::FirstName)),
            ("MName", T::Field(F::MiddleName)),
            ("LName", T::Field(F::LastName)),
            ("NameSuffix", T::Field(F::NameSuffix)),
            ("Birthyear", T::Field(F::BirthYear)),
            ("Gender", T::Field(F::Gender)),
            ("RegStNum", T::Field(F::ResAddress)),
            ("RegStFrac", T::Field(F::ResAddress)),
            ("RegStPreDirection", T::Field(F::ResAddress)),
            ("RegStName", T::Field(F::ResAddress)),
            ("RegStType", T::Field(F::ResAddress)),
            ("RegStPostDirection", T::Field(F::ResAddress)),
            ("RegUnitType", T::Field(F::ResAddress)),
            ("RegStUnitNum", T::Field(F::ResAddress)),
            ("RegCity", T::Field(F::ResCity)),
            ("RegState", T::Field(F::ResState)),
            ("RegZipCode", T::Field(F::ResZip)),
            ("CountyCode", T::Field(F::County)),
            ("PrecinctCode", T::Field(F::Precinct)),
            ("LegislativeDistrict", T::Field(F::StateHouseDistrict)),
            ("LegislativeDistrict", T::Field(F::StateSenateDistrict)),
            ("CongressionalDistrict", T::Field(F::CongressionalDistrict)),
            ("Registrationdate", T::Field(F::RegistrationDate)),
            ("StatusCode", T::Field(F::VoterStatus)),
        ],
        Layout::Generic => &[
            ("voter_id", T::Key),
            ("first_name", T::Field(F::FirstName)),
            ("middle_name", T::Field(F::MiddleName)),
            ("last_name", T::Field(F::LastName)),
            ("name_suffix", T::Field(F::NameSuffix)),
            ("res_address", T::Field(F::ResAddress)),
            ("res_city", T::Field(F::ResCity)),
            ("res_state", T::Field(F::ResState)),
            ("res_zip", T::Field(F::ResZip)),
            ("county", T::Field(F::County)),
            ("birth_year", T::Field(F::BirthYear)),
            ("birth_date", T::Field(F::BirthDate)),
            ("gender", T::Field(F::Gender)),
            ("race", T::Field(F::Race)),
            ("party", T::Field(F::Party)),
            ("voter_status", T::Field(F::VoterStatus)),
            ("registration_date", T::Field(F::RegistrationDate)),
            ("precinct", T::Field(F::Precinct)),
            ("congressional_district", T::Field(F::CongressionalDistrict)),
            ("state_house_district", T::Field(F::StateHouseDistrict)),
            ("state_senate_district", T::Field(F::StateSenateDistrict)),
            ("home_phone", T::Phone(PhoneKind::Home)),
            ("home_phone_line_type", T::LineType(PhoneKind::Home)),
            ("cell_phone", T::Phone(PhoneKind::Cell)),
            ("cell_phone_line_type", T::LineType(PhoneKind::Cell)),
            ("work_phone", T::Phone(PhoneKind::Work)),
            ("work_phone_line_type", T::LineType(PhoneKind::Work)),
            ("email", T::Email),
            ("vote_history", T::VoteHistoryPacked),
        ],
        Layout::Mapping(_) => &[],
    }
}

/// Columns a preset layout's header must have (a file without them is the wrong file, or has no header).
pub(crate) fn preset_required(layout: &Layout) -> &'static [&'static str] {
    match layout {
        Layout::Nc => &["ncid", "last_name", "first_name", "res_street_address", "res_city_desc", "zip_code"],
        Layout::Oh => {
            &["SOS_VOTERID", "LAST_NAME", "FIRST_NAME", "RESIDENTIAL_ADDRESS1", "RESIDENTIAL_CITY", "RESIDENTIAL_ZIP"]
        }
        Layout::Wa => &["StateVoterID", "FName", "LName", "RegCity", "RegZipCode"],
        Layout::Generic => &["voter_id", "first_name", "last_name"],
        Layout::Fl | Layout::Mapping(_) => &[],
    }
}

/// All the column names a preset layout documents (known but unmapped ones go to `extra`).
pub(crate) fn preset_columns(layout: &Layout) -> &'static [&'static str] {
    match layout {
        Layout::Nc => &NC_COLUMNS,
        Layout::Oh => &OH_COLUMNS,
        Layout::Fl => &FL_COLUMNS,
        Layout::Wa => &WA_COLUMNS,
        Layout::Generic => &GENERIC_COLUMNS,
        Layout::Mapping(_) => &[],
    }
}

/// Ohio's election columns: `WORD-MM/DD/YYYY` (e.g. `PRIMARY-03/07/2000`, `GENERAL-11/07/2000`).
pub(crate) fn is_ohio_election(name: &str) -> bool {
    let Some((kind, date)) = name.split_once('-') else { return false };
    let d = date.as_bytes();
    !kind.is_empty()
        && kind.bytes().all(|b| b.is_ascii_alphabetic() || b == b'_')
        && d.len() == 10
        && d[2] == b'/'
        && d[5] == b'/'
        && d.iter().enumerate().all(|(i, b)| i == 2 || i == 5 || b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts_parse() {
        assert_eq!("NC".parse::<Layout>(), Ok(Layout::Nc));
        assert_eq!("generic".parse::<Layout>(), Ok(Layout::Generic));
        assert!("mi".parse::<Layout>().is_err());
    }

    #[test]
    fn ohio_election_names() {
        assert!(is_ohio_election("PRIMARY-03/07/2000"));
        assert!(is_ohio_election("GENERAL-11/07/2000"));
        assert!(is_ohio_election("SPECIAL-08/08/2023"));
        assert!(!is_ohio_election("GENERAL-11/7/2000"));
        assert!(!is_ohio_election("WARD"));
        assert!(!is_ohio_election("-11/07/2000"));
    }

    #[test]
    fn every_preset_target_names_a_documented_column() {
        for layout in [Layout::Nc, Layout::Oh, Layout::Fl, Layout::Wa, Layout::Generic] {
            let cols = preset_columns(&layout);
            for (name, _) in preset_targets(&layout) {
                assert!(cols.contains(name), "{name} is not a {} column", layout.name());
            }
            for name in preset_required(&layout) {
                assert!(cols.contains(name), "{name} is not a {} column", layout.name());
            }
        }
    }
}
