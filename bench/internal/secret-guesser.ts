// The attacker of the token service benchmark's brute-force rows, in a process of its own:
// `workers` loops, each bound to its own loopback source address (127.0.0.2 and up), each sending
// one guess at a time to POST /token and the next as soon as the answer comes, ignoring
// Retry-After as an attacker would. Half guess the real client id, half random ids. On SIGTERM it
// prints {"guesses":…, "byStatus":{…}} and exits.
// Run: node --import tsx bench/internal/secret-guesser.ts <token-service-url> <real-client-id> <workers>
import { Agent, request } from 'node:http';
import { randomBytes } from 'node:crypto';

const [url, realId, workerCount] = process.argv.slice(2) as [string, string, string];
const target = new URL('/token', url);
const byStatus: Record<string, number> = {};
let guesses = 0;
let stopping = false;

/** The n-th source address after 127.0.0.1: 127.0.0.2, …, 127.0.0.255, 127.0.1.0, … */
function sourceAddress(n: number): string {
  const v = n + 2;
  return `127.0.${Math.floor(v / 256)}.${v % 256}`;
}

function guess(agent: Agent, id: string): Promise<void> {
  return new Promise((resolve) => {
    const secret = randomBytes(12).toString('base64url');
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`,
        },
      },
      (res) => {
        res.resume();
        res.once('end', () => {
          guesses += 1;
          byStatus[res.statusCode!] = (byStatus[res.statusCode!] ?? 0) + 1;
          resolve();
        });
      },
    );
    req.once('error', () => {
      byStatus['error'] = (byStatus['error'] ?? 0) + 1;
      setTimeout(resolve, 10);
    });
    req.end('grant_type=client_credentials');
  });
}

async function worker(n: number): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1, localAddress: sourceAddress(n) });
  while (!stopping) {
    await guess(agent, n % 2 === 0 ? realId : `guess-${randomBytes(6).toString('hex')}`);
  }
  agent.destroy();
}

process.once('SIGTERM', () => {
  stopping = true;
  process.stdout.write(`${JSON.stringify({ guesses, byStatus })}\n`);
  process.exit(0);
});
for (let n = 0; n < Number(workerCount); n++) void worker(n);
process.stdout.write('GUESSING\n');
