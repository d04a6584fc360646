// Resident memory of a process from /proc/PID/status: VmRSS sampled every few ms, and the
// kernel's own high-water mark VmHWM (reset through /proc/PID/clear_refs before a scenario).
import { readFileSync, writeFileSync } from 'node:fs';

function status(pid) {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
  return { rss: kb('VmRSS') * 1024, hwm: kb('VmHWM') * 1024 };
}

export function rssNow(pid) {
  return status(pid).rss;
}

/** Start sampling; `stop()` returns { peak (max of samples and VmHWM), start, end, samples }. */
export function sampleRss(pid, everyMs = 10) {
  let hwmReset = false;
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5'); // 5 = reset the peak RSS (VmHWM) to the current RSS
    hwmReset = true;
  } catch {
    /* not allowed: rely on the samples alone */
  }
  const start = status(pid).rss;
  let peak = start;
  let samples = 0;
  const timer = setInterval(() => {
    try {
      const { rss } = status(pid);
      samples++;
      if (rss > peak) peak = rss;
    } catch {
      /* the process is gone */
    }
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      let end = NaN;
      try {
        const s = status(pid);
        end = s.rss;
        if (hwmReset && s.hwm > peak) peak = s.hwm;
      } catch {
        /* gone */
      }
      return { peak, start, end, samples, hwmReset };
    },
  };
}

/** CPU seconds (user + system) a process has used so far, from /proc/PID/stat. */
/**
 * Minor page faults of a process so far (/proc/PID/stat field 10). Uploads follow them: each
 * costs 13-17 µs of CPU on the PVM guest this bench was written on (bench/results.md).
 */
export function minorFaults(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[7]);
}

/** What one minor page fault costs this machine: fresh anonymous pages touched once each. */
export function faultCost(mib = 64) {
  const size = mib * 1024 * 1024;
  const b = Buffer.allocUnsafeSlow(size); // above malloc's mmap threshold: pages not yet touched
  const f0 = minorFaults(process.pid);
  const c0 = process.cpuUsage();
  for (let i = 0; i < size; i += 4096) b[i] = 1;
  const c = process.cpuUsage(c0);
  const n = minorFaults(process.pid) - f0;
  return { faults: n, cpuUsPerFault: n > 0 ? (c.user + c.system) / n : NaN };
}

export function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state): utime is field 14, stime field 15 (clock ticks, 100 per second on Linux).
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
