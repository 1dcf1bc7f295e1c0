//! Where a scenario's CPU time went, by process kind: the plugboard server(s), PostgreSQL, this
//! bench (its publishers and its receiver) and everything else on the machine. Read from Linux's
//! /proc; elsewhere the scenario prints nothing of it. Processes that exit during a scenario
//! (a PostgreSQL backend of a closed connection) are counted as "other", through the machine's
//! totals.

use std::collections::HashMap;
use std::time::Duration;

/// Linux reports process and machine CPU times in USER_HZ ticks, which the kernel's ABI fixes at
/// 100 a second.
const TICKS_PER_SECOND: f64 = 100.0;

/// The kinds a scenario's CPU time is split into, in the order they are printed.
const KINDS: [&str; 3] = ["plugboard", "PostgreSQL", "bench"];

/// Cumulative CPU ticks per process, and the machine's busy and idle ticks, at one moment.
pub struct CpuSnapshot {
    processes: HashMap<u32, (&'static str, u64)>,
    machine_busy: u64,
    machine_idle: u64,
}

impl CpuSnapshot {
    /// Reads /proc; `None` where there is no /proc to read.
    pub fn take() -> Option<Self> {
        let (machine_busy, machine_idle) = machine_ticks()?;
        let own = std::process::id();
        let mut processes = HashMap::new();
        for entry in std::fs::read_dir("/proc").ok()?.flatten() {
            let Some(pid) = entry
                .file_name()
                .to_str()
                .and_then(|s| s.parse::<u32>().ok())
            else {
                continue;
            };
            if let Some((name, ticks)) = process_ticks(pid) {
                let kind = match name.as_str() {
                    _ if pid == own => "bench",
                    "plugboard" => "plugboard",
                    "postgres" => "PostgreSQL",
                    _ => "other",
                };
                processes.insert(pid, (kind, ticks));
            }
        }
        Some(Self {
            processes,
            machine_busy,
            machine_idle,
        })
    }

    /// The CPU time each kind used since `before`, per `units` (a publish, a delivery), and how
    /// busy the machine's cores were, as one line.
    pub fn report_since(&self, before: &Self, units: usize, unit: &str) -> String {
        let mut by_kind: HashMap<&str, u64> = HashMap::new();
        for (pid, (kind, ticks)) in &self.processes {
            let earlier = before.processes.get(pid).map(|(_, t)| *t).unwrap_or(0);
            *by_kind.entry(kind).or_default() += ticks.saturating_sub(earlier);
        }
        let busy = self.machine_busy.saturating_sub(before.machine_busy);
        let idle = self.machine_idle.saturating_sub(before.machine_idle);
        let known: u64 = KINDS
            .iter()
            .map(|k| by_kind.get(k).copied().unwrap_or(0))
            .sum();
        let per_unit = |ticks: u64| {
            Duration::from_secs_f64(ticks as f64 / TICKS_PER_SECOND / units.max(1) as f64)
        };
        let mut parts: Vec<String> = KINDS
            .iter()
            .map(|kind| {
                let ticks = by_kind.get(kind).copied().unwrap_or(0);
                format!("{kind} {} µs", per_unit(ticks).as_micros())
            })
            .collect();
        parts.push(format!(
            "other {} µs",
            per_unit(busy.saturating_sub(known)).as_micros()
        ));
        format!(
            "CPU per {unit}: {} (cores {:.0}% busy)",
            parts.join(", "),
            100.0 * busy as f64 / (busy + idle).max(1) as f64
        )
    }
}

/// The machine's busy and idle ticks over all cores, from /proc/stat's first line.
fn machine_ticks() -> Option<(u64, u64)> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let fields: Vec<u64> = stat
        .lines()
        .next()?
        .split_whitespace()
        .skip(1)
        .filter_map(|f| f.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq steal (guest times are inside user and nice)
    let idle = fields.get(3)? + fields.get(4).copied().unwrap_or(0);
    let busy = fields.iter().take(8).sum::<u64>() - idle;
    Some((busy, idle))
}

/// A process's name and its user plus system ticks, from /proc/<pid>/stat.
fn process_ticks(pid: u32) -> Option<(String, u64)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The name is in parentheses and may hold spaces; the fields after it are plain.
    let open = stat.find('(')?;
    let close = stat.rfind(')')?;
    let name = stat.get(open + 1..close)?.to_string();
    let rest: Vec<&str> = stat.get(close + 1..)?.split_whitespace().collect();
    // After the name: state is field 3, utime 14 and stime 15 (1-based, as in proc(5)).
    let utime: u64 = rest.get(11)?.parse().ok()?;
    let stime: u64 = rest.get(12)?.parse().ok()?;
    Some((name, utime + stime))
}
