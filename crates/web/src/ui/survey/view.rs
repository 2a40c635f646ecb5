//! The report page's view of the report's JSON (the same JSON `clearline survey report --json` prints):
//! toplines with the weighted share beside the unweighted, and each question's crosstab as one table
//! (answers by the field's columns, shares within each column, the column's n).

use serde_json::Value;

/// A share as the page words it.
pub fn percent(share: f64) -> String {
    if share.is_finite() {
        format!("{:.1} %", share * 100.0)
    } else {
        "—".into()
    }
}

/// A share as a bar's width (0–100) and its words.
fn bar(share: Option<f64>) -> (f64, String) {
    (share.map_or(0.0, |s| (s * 100.0).clamp(0.0, 100.0)), share.map_or_else(|| "—".into(), percent))
}

pub fn fixed(v: Option<f64>, digits: usize) -> String {
    v.map_or_else(|| "—".to_string(), |x| format!("{x:.digits$}"))
}

pub fn moe(v: Option<f64>) -> String {
    v.map_or_else(|| "—".into(), |m| format!("±{:.1} points (95 %)", m * 100.0))
}

/// One answer category's bar, unweighted and (when weighted) weighted.
pub struct BarView {
    pub label: String,
    pub respondents: u64,
    /// 0–100, for the bar's width; the words say the same.
    pub percent: f64,
    pub share: String,
    pub weighted: Option<(f64, String)>,
}

pub struct QuestionView {
    pub step: String,
    pub text: String,
    pub kind: String,
    pub asked: u64,
    pub bars: Vec<BarView>,
    pub mean: Option<String>,
    pub weighted_mean: Option<String>,
    pub answered_text: Option<u64>,
}

/// A category's label; a multiple-choice option's "selected" category is named by the option alone.
fn label(c: &Value) -> String {
    c["label"].as_str().unwrap_or_default().trim_end_matches(" — selected").to_string()
}

/// The categories a question's bars show: a multiple-choice question's "selected" of each option (the
/// share that selected it), every category of the others.
fn shown<'a>(q: &'a Value) -> impl Iterator<Item = &'a Value> + 'a {
    let multiple = q["kind"] == "multiple";
    q["variables"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|v| v["categories"].as_array().into_iter().flatten())
        .filter(move |c| !multiple || c["key"] == "selected")
}

/// The toplines; `weighted` is the same report under the weights (same questions, same order).
pub fn questions(r: &Value, weighted: Option<&Value>) -> Vec<QuestionView> {
    let mut out = Vec::new();
    for (i, q) in r["questions"].as_array().into_iter().flatten().enumerate() {
        let wq = weighted.map(|w| &w["questions"][i]);
        let mut weighted_cells = wq.map(|wq| shown(wq).collect::<Vec<_>>().into_iter());
        let bars = shown(q)
            .map(|c| {
                let (percent, share) = bar(c["share"].as_f64());
                BarView {
                    label: label(c),
                    respondents: c["respondents"].as_u64().unwrap_or(0),
                    percent,
                    share,
                    weighted: weighted_cells.as_mut().and_then(|cells| cells.next()).map(|w| bar(w["share"].as_f64())),
                }
            })
            .collect();
        out.push(QuestionView {
            step: q["step"].as_str().unwrap_or_default().into(),
            text: q["text"].as_str().unwrap_or_default().into(),
            kind: q["kind"].as_str().unwrap_or_default().into(),
            asked: q["asked"].as_u64().unwrap_or(0),
            bars,
            mean: q["weighted_mean"].as_f64().map(|m| format!("{m:.2}")),
            weighted_mean: wq.and_then(|wq| wq["weighted_mean"].as_f64()).map(|m| format!("{m:.2}")),
            answered_text: q["answered_text"].as_u64(),
        });
    }
    out
}

/// A column of a crosstab: the field's value and the respondents asked in it.
pub struct ColumnHead {
    pub label: String,
    pub n: u64,
}

pub struct CrossCell {
    pub percent: f64,
    pub share: String,
}

pub struct CrossRow {
    pub label: String,
    pub cells: Vec<CrossCell>,
}

/// One question by the field: its answers (rows) within each of the field's values (columns).
pub struct CrosstabView {
    pub step: String,
    pub caption: String,
    pub columns: Vec<ColumnHead>,
    pub rows: Vec<CrossRow>,
}

/// One target category beside the sample's shares of it.
pub struct MarginRow {
    pub field: &'static str,
    pub category: String,
    /// As given: people in the call list, or the pasted count, percentage or share.
    pub target: String,
    pub target_share: String,
    pub respondents: u64,
    pub unweighted_share: String,
    pub weighted_share: String,
}

/// Each question's crosstab, from the report's `crosstab` (none when the report has no breakdown).
pub fn crosstabs(r: &Value) -> Vec<CrosstabView> {
    let Some(x) = r["crosstab"].as_object() else { return Vec::new() };
    let columns: Vec<String> =
        x["columns"].as_array().into_iter().flatten().map(|c| c.as_str().unwrap_or_default().to_string()).collect();
    let tables: Vec<&Value> = x["tables"].as_array().into_iter().flatten().collect();
    let table = |key: &str| tables.iter().find(|t| t["key"] == key).copied();
    let mut out = Vec::new();
    for q in r["questions"].as_array().into_iter().flatten() {
        let multiple = q["kind"] == "multiple";
        let vars: Vec<&Value> =
            q["variables"].as_array().into_iter().flatten().filter_map(|v| v["key"].as_str().and_then(table)).collect();
        let Some(first) = vars.first() else { continue };
        // The column's n: the respondents asked, counted over every category of one variable (each
        // asked respondent is in exactly one).
        let heads = columns
            .iter()
            .enumerate()
            .map(|(c, label)| ColumnHead {
                label: label.clone(),
                n: first["rows"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|row| row["cells"][c]["respondents"].as_u64().unwrap_or(0))
                    .sum(),
            })
            .collect();
        let rows = vars
            .iter()
            .flat_map(|t| t["rows"].as_array().into_iter().flatten())
            .filter(|row| !multiple || row["key"] == "selected")
            .map(|row| CrossRow {
                label: label(row),
                cells: (0..columns.len())
                    .map(|c| {
                        let (percent, share) = bar(row["cells"][c]["share"].as_f64());
                        CrossCell { percent, share }
                    })
                    .collect(),
            })
            .collect();
        out.push(CrosstabView {
            step: q["step"].as_str().unwrap_or_default().into(),
            caption: q["text"].as_str().unwrap_or_default().into(),
            columns: heads,
            rows,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A multiple-choice question's crosstab shows one row per option (the share selecting it in each
    /// column) and each column's n; an empty column has no share.
    #[test]
    fn a_multiple_choice_crosstab_has_a_row_per_option_and_each_columns_n() {
        let cell = |n: u64, share: Option<f64>| json!({"respondents": n, "weighted": n as f64, "share": share});
        let r = json!({
            "questions": [{"step": "issues", "kind": "multiple", "text": "Issues?", "variables": [
                {"key": "issues:roads"}, {"key": "issues:schools"}]}],
            "crosstab": {"by": "party", "columns": ["DEM", "REP", "UNA"], "tables": [
                {"key": "issues:roads", "rows": [
                    {"key": "selected", "label": "Roads — selected", "cells": [cell(1, Some(0.25)), cell(2, Some(1.0)), cell(0, None)]},
                    {"key": "not_selected", "label": "not selected", "cells": [cell(3, Some(0.75)), cell(0, Some(0.0)), cell(0, None)]}]},
                {"key": "issues:schools", "rows": [
                    {"key": "selected", "label": "Schools — selected", "cells": [cell(4, Some(1.0)), cell(0, Some(0.0)), cell(0, None)]},
                    {"key": "not_selected", "label": "not selected", "cells": [cell(0, Some(0.0)), cell(2, Some(1.0)), cell(0, None)]}]}]}
        });
        let x = crosstabs(&r);
        assert_eq!(x.len(), 1);
        let n: Vec<u64> = x[0].columns.iter().map(|c| c.n).collect();
        assert_eq!(n, [4, 2, 0]);
        let rows: Vec<(&str, Vec<&str>)> =
            x[0].rows.iter().map(|r| (r.label.as_str(), r.cells.iter().map(|c| c.share.as_str()).collect())).collect();
        assert_eq!(rows, [("Roads", vec!["25.0 %", "100.0 %", "—"]), ("Schools", vec!["100.0 %", "0.0 %", "—"])]);
    }
}
