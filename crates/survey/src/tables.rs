//! Weighted toplines and crosstabs over integer-coded answers: for each category the respondents, the
//! weighted count and the weighted share (of the column, for crosstabs). A share whose base is zero is
//! `None`.

use serde::Serialize;

/// One category's figures.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Cell {
    pub respondents: usize,
    pub weighted: f64,
    pub share: Option<f64>,
}

/// One variable's weighted distribution: `codes[i]` is respondent `i`'s category in `0..categories`.
pub fn topline(codes: &[u16], categories: usize, weights: &[f64]) -> Vec<Cell> {
    let mut cells = vec![Cell { respondents: 0, weighted: 0.0, share: None }; categories];
    for (&c, &w) in codes.iter().zip(weights) {
        let cell = &mut cells[c as usize];
        cell.respondents += 1;
        cell.weighted += w;
    }
    let total: f64 = cells.iter().map(|c| c.weighted).sum();
    for c in &mut cells {
        c.share = (total > 0.0).then(|| c.weighted / total);
    }
    cells
}

/// A two-way table: `table[row][col]`, shares within each column (the usual banner layout: the column
/// is the group, e.g. party; the rows are the answers).
pub fn crosstab(
    rows: &[u16],
    row_categories: usize,
    cols: &[u16],
    col_categories: usize,
    weights: &[f64],
) -> Vec<Vec<Cell>> {
    let empty = Cell { respondents: 0, weighted: 0.0, share: None };
    let mut table = vec![vec![empty; col_categories]; row_categories];
    for ((&r, &c), &w) in rows.iter().zip(cols).zip(weights) {
        let cell = &mut table[r as usize][c as usize];
        cell.respondents += 1;
        cell.weighted += w;
    }
    for c in 0..col_categories {
        let total: f64 = table.iter().map(|row| row[c].weighted).sum();
        for row in &mut table {
            row[c].share = (total > 0.0).then(|| row[c].weighted / total);
        }
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toplines_and_crosstabs_add_up() {
        let answer = [0u16, 1, 1, 2, 0, 1];
        let party = [0u16, 0, 1, 1, 1, 0];
        let w = [1.0, 2.0, 0.5, 1.5, 3.0, 2.0];
        let top = topline(&answer, 4, &w);
        assert_eq!(top.iter().map(|c| c.respondents).collect::<Vec<_>>(), [2, 3, 1, 0]);
        assert_eq!(top[0].weighted, 4.0);
        assert_eq!(top[1].weighted, 4.5);
        assert_eq!(top[1].share, Some(0.45));
        assert_eq!(top[3].share, Some(0.0));
        let table = crosstab(&answer, 3, &party, 3, &w);
        // Column 0 (party 0): answers 0, 1, 1 with weights 1, 2, 2.
        assert_eq!(table[0][0].share, Some(0.2));
        assert_eq!(table[1][0].share, Some(0.8));
        assert_eq!(table[2][0].share, Some(0.0));
        // Column 1: answers 1, 2, 0 with weights 0.5, 1.5, 3.
        assert_eq!(table[0][1].weighted, 3.0);
        assert_eq!(table[2][1].share, Some(0.3));
        // Nobody in column 2: no shares.
        assert!(table.iter().all(|row| row[2].share.is_none()));
        assert_eq!(topline(&[], 2, &[])[0].share, None);
    }
}
