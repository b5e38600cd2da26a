//! The `process_*` figures of `/metrics`, read from `/proc/self` the way Prometheus' client
//! libraries read them.

use std::path::Path;

/// Kernel clock ticks per second in `/proc/<pid>/stat` (`USER_HZ`, 100 on every Linux ABI).
const TICKS_PER_SECOND: f64 = 100.0;

/// What `/metrics` says about the serving process.
#[derive(Debug, Clone, PartialEq)]
pub struct ProcessStats {
    /// User + system CPU time.
    pub cpu_seconds: f64,
    /// Resident set size.
    pub resident_memory_bytes: u64,
    /// Virtual memory size.
    pub virtual_memory_bytes: u64,
    /// Open file descriptors.
    pub open_fds: u64,
    /// The soft limit on open file descriptors, when it is not unlimited.
    pub max_fds: Option<u64>,
    /// Start time, Unix seconds.
    pub start_time_seconds: f64,
}

impl ProcessStats {
    /// Reads this process's figures; `None` when `/proc` is not there or not as expected.
    pub fn read() -> Option<Self> {
        Self::read_from(Path::new("/proc"), Path::new("/proc/self"))
    }

    fn read_from(proc: &Path, process: &Path) -> Option<Self> {
        let stat = std::fs::read_to_string(process.join("stat")).ok()?;
        let fields = parse_stat(&stat)?;
        let boot_time = std::fs::read_to_string(proc.join("stat"))
            .ok()?
            .lines()
            .find_map(|line| line.strip_prefix("btime ")?.trim().parse::<u64>().ok())?;
        let status = std::fs::read_to_string(process.join("status")).ok()?;
        let limits = std::fs::read_to_string(process.join("limits")).ok();
        let open_fds = std::fs::read_dir(process.join("fd")).ok()?.count() as u64;
        Some(ProcessStats {
            cpu_seconds: (fields.utime + fields.stime) as f64 / TICKS_PER_SECOND,
            resident_memory_bytes: status_kib(&status, "VmRSS:")? * 1024,
            virtual_memory_bytes: fields.vsize,
            open_fds,
            max_fds: limits.as_deref().and_then(max_open_files),
            start_time_seconds: boot_time as f64 + fields.starttime as f64 / TICKS_PER_SECOND,
        })
    }
}

struct StatFields {
    utime: u64,
    stime: u64,
    starttime: u64,
    vsize: u64,
}

/// The fields of `/proc/<pid>/stat` used here. The command name (field 2) may hold spaces and
/// parentheses, so fields are counted from the last `)`.
fn parse_stat(stat: &str) -> Option<StatFields> {
    let after_name = &stat[stat.rfind(')')? + 1..];
    // After the name come fields 3 (state), 4, ...: index i here is field i + 3.
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let field = |number: usize| fields.get(number - 3)?.parse::<u64>().ok();
    Some(StatFields {
        utime: field(14)?,
        stime: field(15)?,
        starttime: field(22)?,
        vsize: field(23)?,
    })
}

fn status_kib(status: &str, key: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|line| line.strip_prefix(key))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

fn max_open_files(limits: &str) -> Option<u64> {
    let line = limits
        .lines()
        .find(|line| line.starts_with("Max open files"))?;
    line["Max open files".len()..]
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_stat_line_with_a_strange_command_name() {
        let stat = "4242 (shiwa (x) y) S 1 4242 4242 0 -1 4194560 1000 0 0 0 250 50 0 0 20 0 \
                    3 0 123456 104857600 2048 18446744073709551615";
        let fields = parse_stat(stat).expect("parses");
        assert_eq!((fields.utime, fields.stime), (250, 50));
        assert_eq!(fields.starttime, 123_456);
        assert_eq!(fields.vsize, 104_857_600);
        assert!(parse_stat("4242 (short) S 1").is_none());
    }

    #[test]
    fn reads_limits_and_status() {
        let limits = "Limit                     Soft Limit           Hard Limit           Units     \n\
                      Max open files            1024                 524288               files     \n";
        assert_eq!(max_open_files(limits), Some(1024));
        assert_eq!(
            max_open_files("Max open files  unlimited unlimited files"),
            None
        );
        assert_eq!(
            status_kib("Name:\tx\nVmRSS:\t   5120 kB\n", "VmRSS:"),
            Some(5120)
        );
    }

    #[test]
    fn reads_this_process() {
        let stats = ProcessStats::read().expect("/proc/self is readable on Linux");
        assert!(stats.resident_memory_bytes > 1024 * 1024, "{stats:?}");
        assert!(stats.open_fds >= 3, "{stats:?}");
        assert!(stats.start_time_seconds > 1.6e9, "{stats:?}");
    }
}
