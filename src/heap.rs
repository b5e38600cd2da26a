//! Giving freed heap memory back to the kernel.
//!
//! Argon2 verification (SSH and API password logins, hub keys) borrows its memory cost, 19 MiB
//! with the default parameters, for a few milliseconds. glibc raises its mmap threshold after
//! the first such block is freed, so later ones come from an arena and stay in the process's
//! RSS after they are freed: a daemon that answered one password login would sit at its peak.

#![allow(
    unsafe_code,
    reason = "malloc_trim has no safe wrapper; the one block has a SAFETY note"
)]

/// Returns the free pages of every malloc arena to the kernel (glibc's `malloc_trim(0)`).
/// Costs well under a millisecond; a no-op on other C libraries.
pub fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim takes no pointers and has no preconditions; it works on glibc's own
    // arenas under their locks, so it is sound to call from any thread at any time.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Open connections at which a server counts as busy: once that many were open at once,
/// the moment the last of them closes, the memory they held is handed back.
pub const BURST_CONNECTIONS: usize = 8;

/// Counts a server's open connections and releases free memory ([`release_free_memory`])
/// when a burst of them (at least [`BURST_CONNECTIONS`] open at once) has ended: per-connection
/// buffers freed in an arena otherwise stay in the process's RSS after a load test or a
/// scrape storm. A lone connection opening and closing (a Prometheus scrape) never trims.
#[derive(Debug, Default)]
pub struct ConnectionGauge {
    open: std::sync::atomic::AtomicUsize,
    peak: std::sync::atomic::AtomicUsize,
}

/// One open connection of a [`ConnectionGauge`]; closing it is dropping it.
#[derive(Debug)]
pub struct OpenConnection(std::sync::Arc<ConnectionGauge>);

impl ConnectionGauge {
    /// Counts a new connection, until the returned guard is dropped.
    pub fn open(self: &std::sync::Arc<Self>) -> OpenConnection {
        use std::sync::atomic::Ordering::Relaxed;
        let open = self.open.fetch_add(1, Relaxed) + 1;
        self.peak.fetch_max(open, Relaxed);
        OpenConnection(std::sync::Arc::clone(self))
    }

    /// Connections open now.
    pub fn open_now(&self) -> usize {
        self.open.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Called as a connection closes, with how many are left; true when memory was released.
    fn closed(&self, left: usize) -> bool {
        use std::sync::atomic::Ordering::Relaxed;
        if left == 0 && self.peak.swap(0, Relaxed) >= BURST_CONNECTIONS {
            release_free_memory();
            return true;
        }
        false
    }
}

impl Drop for OpenConnection {
    fn drop(&mut self) {
        let left = self
            .0
            .open
            .fetch_sub(1, std::sync::atomic::Ordering::Relaxed)
            - 1;
        if self.0.closed(left) {
            tracing::debug!("connection burst over: free heap memory released");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{BURST_CONNECTIONS, ConnectionGauge};
    use std::sync::Arc;

    #[test]
    fn memory_is_released_only_when_the_last_connection_of_a_burst_closes() {
        let gauge = Arc::new(ConnectionGauge::default());
        let lone = gauge.open();
        drop(lone);
        assert_eq!(gauge.open_now(), 0);
        assert!(!gauge.closed(0), "a lone connection is not a burst");
        let burst: Vec<_> = (0..BURST_CONNECTIONS).map(|_| gauge.open()).collect();
        assert_eq!(gauge.open_now(), BURST_CONNECTIONS);
        assert_eq!(
            gauge.peak.load(std::sync::atomic::Ordering::Relaxed),
            BURST_CONNECTIONS
        );
        let mut burst = burst.into_iter();
        let last = burst.next().expect("one connection");
        drop(burst);
        assert_eq!(gauge.open_now(), 1);
        assert_eq!(
            gauge.peak.load(std::sync::atomic::Ordering::Relaxed),
            BURST_CONNECTIONS,
            "nothing released while a connection of the burst is open"
        );
        drop(last);
        assert_eq!(gauge.open_now(), 0);
        assert_eq!(
            gauge.peak.load(std::sync::atomic::Ordering::Relaxed),
            0,
            "the burst's end released memory and reset the peak"
        );
    }

    #[test]
    fn releasing_memory_after_a_large_free_keeps_the_allocator_usable() {
        let block = vec![7u8; 32 << 20];
        assert_eq!(
            block.iter().map(|&b| u64::from(b)).sum::<u64>(),
            7 * (32 << 20)
        );
        drop(block);
        super::release_free_memory();
        let again = vec![1u8; 1 << 20];
        assert_eq!(again.len(), 1 << 20);
    }
}
