// basic-ftp leaves modifiedAt empty for Unix and MS-DOS listings and keeps the raw text.
// These parse that text. Listing times carry no zone: we read them as UTC, as most servers send.

const MONTHS: Record<string, number> = {
  jan: 0, feb: 1, mar: 2, apr: 3, may: 4, jun: 5, jul: 6, aug: 7, sep: 8, oct: 9, nov: 10, dec: 11,
};

/**
 * Unix `ls -l` dates: "Nov 25 06:35" (within the last six months, year left out) or "Nov 25  2025".
 * A year-less date that would lie more than a day in the future belongs to the previous year.
 */
export function parseUnixListDate(raw: string, now = new Date()): Date | undefined {
  const m = /^([A-Za-z]{3})\s+(\d{1,2})\s+(?:(\d{1,2}):(\d{2})|(\d{4}))$/.exec(raw.trim());
  if (!m) return undefined;
  const month = MONTHS[m[1]!.toLowerCase()];
  if (month === undefined) return undefined;
  const day = Number(m[2]);
  if (m[5]) return new Date(Date.UTC(Number(m[5]), month, day));
  const hours = Number(m[3]);
  const minutes = Number(m[4]);
  let year = now.getUTCFullYear();
  let date = new Date(Date.UTC(year, month, day, hours, minutes));
  if (date.getTime() > now.getTime() + 24 * 3600 * 1000) {
    year -= 1;
    date = new Date(Date.UTC(year, month, day, hours, minutes));
  }
  return date;
}

/** MS-DOS / IIS dates: "11-22-26  02:08PM" or "11-22-2026  14:08". Two-digit years below 70 are 20xx. */
export function parseDosListDate(raw: string): Date | undefined {
  const m = /^(\d{2})-(\d{2})-(\d{2}|\d{4})\s+(\d{1,2}):(\d{2})\s*([AaPp][Mm])?$/.exec(raw.trim());
  if (!m) return undefined;
  let year = Number(m[3]);
  if (m[3]!.length === 2) year += year < 70 ? 2000 : 1900;
  let hours = Number(m[4]);
  const ampm = m[6]?.toUpperCase();
  if (ampm === 'PM' && hours < 12) hours += 12;
  if (ampm === 'AM' && hours === 12) hours = 0;
  const date = new Date(Date.UTC(year, Number(m[1]) - 1, Number(m[2]), hours, Number(m[5])));
  return Number.isNaN(date.getTime()) ? undefined : date;
}

export function parseListDate(raw: string, now?: Date): Date | undefined {
  if (!raw) return undefined;
  return /^\d{2}-\d{2}-/.test(raw.trim()) ? parseDosListDate(raw) : parseUnixListDate(raw, now);
}
