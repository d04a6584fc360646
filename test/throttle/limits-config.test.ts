// The new settings: dataMode and the active-mode options, and the bandwidth limits, from a
// site URL, a config object and the environment.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { validateConfig } from '../../src/config/schema.js';
import { parseSiteUrl } from '../../src/config/site-url.js';

const base = { listen: { host: '127.0.0.1', port: 0 } };

describe('data mode and limit settings', () => {
  it('reads them from a site URL, with binary units for limits', () => {
    const config = validateConfig({
      ...base,
      sites: [
        parseSiteUrl(
          's',
          'ftp://h/?dataMode=active&activeAddress=10.0.0.2&activePublicAddress=203.0.113.9&activePortMin=50000&activePortMax=50100' +
            '&downloadLimit=10MiB&uploadLimit=512KiB/s&userDownloadLimit=1048576&userUploadLimit=1.5MiB',
        ),
      ],
    });
    expect(config.sites[0]).toMatchObject({
      dataMode: 'active',
      activeAddress: '10.0.0.2',
      activePublicAddress: '203.0.113.9',
      activePortMin: 50000,
      activePortMax: 50100,
      downloadLimit: 10 * 1024 * 1024,
      uploadLimit: 512 * 1024,
      userDownloadLimit: 1024 * 1024,
      userUploadLimit: 1.5 * 1024 * 1024,
    });
  });

  it('defaults to auto, no active-mode settings and no limits', () => {
    const site = validateConfig({ ...base, sites: [parseSiteUrl('s', 'ftp://h/')] }).sites[0]!;
    expect(site.dataMode).toBe('auto');
    expect(site.downloadLimit).toBeUndefined();
    expect(site.activePortMin).toBeUndefined();
  });

  it('names the field of a wrong value', () => {
    const bad = (query: string) => () => validateConfig({ ...base, sites: [parseSiteUrl('s', `ftp://h/?${query}`)] });
    expect(bad('dataMode=pasv')).toThrow(/sites\.s\.dataMode/);
    expect(bad('activePortMin=1023')).toThrow(/sites\.s\.activePortMin/);
    expect(bad('activePortMin=6000&activePortMax=5000')).toThrow(/sites\.s\.activePortMax/);
    expect(bad('downloadLimit=fast')).toThrow(/sites\.s\.downloadLimit/);
    expect(bad('uploadLimit=100')).toThrow(/sites\.s\.uploadLimit/); // below 1 KiB/s
  });

  it('takes the gateway-wide limits from the environment', () => {
    const config = loadConfig({ sites: ['s=ftp://h/'] }, { FTPGATE_DOWNLOAD_LIMIT: '20MiB', FTPGATE_UPLOAD_LIMIT: '1048576' });
    expect(config.gatewayDownloadLimit).toBe(20 * 1024 * 1024);
    expect(config.gatewayUploadLimit).toBe(1024 * 1024);
    expect(loadConfig({ sites: ['s=ftp://h/'] }, {}).gatewayDownloadLimit).toBeUndefined();
  });
});
