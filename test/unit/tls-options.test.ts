import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tlsOptions } from '../../src/ftp/tls-options.js';

describe('tlsOptions: the one place a site\'s TLS settings are built', () => {
  it('names a host for SNI and keeps verification as configured', () => {
    expect(tlsOptions({ host: 'ftp.example.org', rejectUnauthorized: true, caFile: undefined })).toEqual({
      rejectUnauthorized: true,
      servername: 'ftp.example.org',
    });
  });

  it('sends no SNI name for an IP address (v4 or v6)', () => {
    expect(tlsOptions({ host: '127.0.0.1', rejectUnauthorized: false, caFile: undefined })).toEqual({ rejectUnauthorized: false });
    expect(tlsOptions({ host: '::1', rejectUnauthorized: true, caFile: undefined })).toEqual({ rejectUnauthorized: true });
  });

  it("trusts the site's own CA file", () => {
    const file = join(mkdtempSync(join(tmpdir(), 'ftpgate-ca-')), 'ca.pem');
    writeFileSync(file, '-----BEGIN CERTIFICATE-----\nabc\n-----END CERTIFICATE-----\n');
    expect(tlsOptions({ host: 'localhost', rejectUnauthorized: true, caFile: file })).toEqual({
      rejectUnauthorized: true,
      servername: 'localhost',
      ca: '-----BEGIN CERTIFICATE-----\nabc\n-----END CERTIFICATE-----\n',
    });
  });
});
