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

/** /proc/PID/stat after the command name: fields[0] is field 3 (state), fields[n] field n + 3. */
function statFields(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/**
 * Minor page faults of a process so far (field 10). Uploads follow them: each costs 13-17 µs of
 * CPU on the PVM guest this bench was written on (bench/results.md).
 */
export function minorFaults(pid) {
  return Number(statFields(pid)[7]);
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

/** CPU seconds (user + system) a process has used so far: fields 14 and 15, 100 ticks a second on Linux. */
export function cpuSeconds(pid) {
  const fields = statFields(pid);
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
