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

#[cfg(test)]
mod tests {
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
