//! The spool's set-at-a-time statements: a batch settled in a few statements whatever its
//! size, and the oldest documents dropped in chunks.

/// A settlement's counters in one statement: acked, duplicates, dead-lettered, retries, 429s.
pub(super) const SETTLE_COUNTERS: &str = "UPDATE counters SET value = value + CASE name \
    WHEN 'acked' THEN ?1 WHEN 'duplicates' THEN ?2 WHEN 'dead_lettered' THEN ?3 \
    WHEN 'retries' THEN ?4 WHEN 'too_many_requests' THEN ?5 END \
    WHERE name IN ('acked', 'duplicates', 'dead_lettered', 'retries', 'too_many_requests')";

/// Spool positions as a JSON array, for `json_each`: one statement settles a whole batch
/// instead of one per document.
pub(super) fn seq_list<'a>(seqs: impl Iterator<Item = &'a i64>) -> String {
    let mut list = String::from("[");
    for (n, seq) in seqs.enumerate() {
        if n > 0 {
            list.push(',');
        }
        list.push_str(&seq.to_string());
    }
    list.push(']');
    list
}

/// Deletes the oldest documents until at least `bytes` are freed; returns (documents, bytes).
pub(super) async fn drop_oldest(
    tx: &mut sqlx::SqliteConnection,
    bytes: u64,
) -> Result<(u64, u64), sqlx::Error> {
    let (mut count, mut freed) = (0, 0);
    while freed < bytes {
        let oldest: Vec<(i64, i64)> =
            sqlx::query_as("SELECT seq, LENGTH(source) FROM documents ORDER BY seq LIMIT 256")
                .fetch_all(&mut *tx)
                .await?;
        let Some(mut last) = oldest.first().map(|(seq, _)| *seq) else {
            break;
        };
        for (seq, length) in oldest {
            if freed >= bytes {
                break;
            }
            (last, count, freed) = (seq, count + 1, freed + u64::try_from(length).unwrap_or(0));
        }
        sqlx::query("DELETE FROM documents WHERE seq <= ?")
            .bind(last)
            .execute(&mut *tx)
            .await?;
    }
    Ok((count, freed))
}
