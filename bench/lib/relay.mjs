// The bare relay: the floor a Node process can reach relaying FTP to HTTP on this machine, to
// tell Node's and the kernel's share of the gateway's cost from ftpgate's own. No framework, no
// checks; SESSIONS logged-in FTP sessions (default 1) kept for the process's life, each serving one
// request at a time (a request waits, first come first served, when all are busy; the parallel
// rows run it with as many sessions as the gateway's pool):
//   GET /NAME  SIZE, PASV, RETR; the data socket reads (`onread`) into reused 256 KiB buffers,
//              each written straight to the response and given back in the write callback;
//              back-pressure pauses the socket (the technique ftpgate's FTP back end uses).
//   PUT /NAME  PASV, STOR; the request is piped into the data socket.
//   PUT /NAME?safe  the same to a temporary name, then RNFR, RNTO over NAME (the gateway's
//              safe replace, without its checks).
//   node bench/lib/relay.mjs FTP_URL PORT [SESSIONS]      (prints "listening" once ready)
// Not a product: bad input is not handled, and it must only ever listen on 127.0.0.1.
import { createServer } from 'node:http';
import { Socket } from 'node:net';

const [ftpUrl, port, sessionsArg] = process.argv.slice(2);
const SESSIONS = Math.max(1, Number(sessionsArg ?? 1));
const ftp = new URL(ftpUrl);
const SIZE = 256 * 1024;
const free = [];

/** One FTP control connection: `send` writes a command and resolves with its final reply. */
function control() {
  const socket = new Socket();
  let text = '';
  const waiting = [];
  const early = []; // replies nobody waits for yet (a 226 can come in the same read as the 150)
  socket.setEncoding('latin1');
  socket.on('data', (d) => {
    text += d;
    // A reply ends with a line "DDD text" (a multi-line one starts with "DDD-").
    for (let m; (m = /^(\d{3}) .*\r\n/m.exec(text)); ) {
      const reply = text.slice(0, m.index + m[0].length);
      text = text.slice(m.index + m[0].length);
      const r = { code: Number(m[1]), text: reply };
      if (waiting.length) waiting.shift()(r);
      else early.push(r);
    }
  });
  const next = () => (early.length ? Promise.resolve(early.shift()) : new Promise((resolve) => waiting.push(resolve)));
  const send = (line) => {
    socket.write(`${line}\r\n`);
    return next();
  };
  const ready = new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.connect(Number(ftp.port || 21), ftp.hostname, resolve);
  }).then(next);
  return { socket, send, next, ready };
}

const expect = async (promise, code) => {
  const r = await promise;
  if (Math.floor(r.code / 100) !== Math.floor(code / 100)) throw new Error(`FTP: ${r.text.trim()}`);
  return r;
};

async function login() {
  const ctl = control();
  await expect(ctl.ready, 220);
  await expect(ctl.send(`USER ${decodeURIComponent(ftp.username)}`), 331);
  await expect(ctl.send(`PASS ${decodeURIComponent(ftp.password)}`), 230);
  await expect(ctl.send('TYPE I'), 200);
  return ctl;
}

// The sessions: idle ones (the last used first), and requests waiting for one.
const idle = await Promise.all(Array.from({ length: SESSIONS }, login));
const waiting = [];
const acquire = () => (idle.length ? Promise.resolve(idle.pop()) : new Promise((resolve) => waiting.push(resolve)));
const release = (ctl) => (waiting.length ? waiting.shift()(ctl) : idle.push(ctl));

async function dataSocket(ctl, options) {
  const r = await expect(ctl.send('PASV'), 227);
  const n = /(\d+),(\d+),(\d+),(\d+),(\d+),(\d+)/.exec(r.text).slice(1).map(Number);
  const socket = new Socket(options);
  await new Promise((resolve, reject) => socket.once('error', reject).connect(n[4] * 256 + n[5], ftp.hostname, resolve));
  return socket;
}

async function get(ctl, name, res) {
  const size = Number((await expect(ctl.send(`SIZE ${name}`), 213)).text.slice(4));
  let data;
  data = await dataSocket(ctl, {
    onread: {
      buffer: () => free.pop() ?? Buffer.allocUnsafeSlow(SIZE),
      callback: (n, buf) => {
        if (!res.write(buf.subarray(0, n), () => free.length < 16 && free.push(buf))) data.pause();
        return true;
      },
    },
  });
  const ended = new Promise((resolve) => data.once('end', resolve));
  res.on('drain', () => data.resume());
  res.writeHead(200, { 'content-length': size, 'content-type': 'application/octet-stream' });
  await expect(ctl.send(`RETR ${name}`), 150);
  await ended;
  res.end();
  await expect(ctl.next(), 226);
}

let temps = 0;

async function put(ctl, name, req, res, safe) {
  // safe: to a temporary name, renamed over the target once the server confirmed the transfer
  // (what the gateway does, so that an old file stays whole until the new one is in place).
  const to = safe ? `.relay-upload-${process.pid}-${++temps}` : name;
  const data = await dataSocket(ctl);
  const closed = new Promise((resolve) => data.once('close', resolve));
  await expect(ctl.send(`STOR ${to}`), 150);
  req.pipe(data);
  await closed;
  await expect(ctl.next(), 226);
  if (safe) {
    await expect(ctl.send(`RNFR ${to}`), 350);
    await expect(ctl.send(`RNTO ${name}`), 250);
  }
  res.writeHead(201).end();
}

const server = createServer({ highWaterMark: SIZE }, (req, res) => {
  const url = new URL(req.url, 'http://x');
  const name = decodeURIComponent(url.pathname.slice(1));
  void acquire().then(async (ctl) => {
    try {
      await (req.method === 'PUT' ? put(ctl, name, req, res, url.searchParams.has('safe')) : get(ctl, name, res));
      release(ctl);
    } catch (err) {
      console.error(String(err));
      res.destroy();
      ctl.socket.destroy(); // its state is unknown: a new session takes its place
      release(await login());
    }
  });
});
server.listen(Number(port), '127.0.0.1', () => console.log('listening'));
