// The attacker of the token service benchmark's brute-force rows, in a process of its own:
// `workers` loops, each bound to its own loopback source address (127.0.0.2 and up), each sending
// one guess at a time to POST /token and the next as soon as the answer comes, ignoring
// Retry-After as an attacker would. Half guess the real client id, half random ids. On SIGTERM it
// prints {"guesses":…, "byStatus":{…}} and exits.
// Run: node --import tsx bench/internal/secret-guesser.ts <token-service-url> <real-client-id> <workers>
import { Agent } from 'node:http';
import { randomBytes } from 'node:crypto';
import { postTokenRequest } from './post-token-request.js';

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

async function guess(agent: Agent, id: string): Promise<void> {
  const secret = randomBytes(12).toString('base64url');
  const basic = `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
  const status = await postTokenRequest(agent, target, basic, 'grant_type=client_credentials');
  if (status === 'error') await new Promise((r) => setTimeout(r, 10));
  else guesses += 1;
  byStatus[status] = (byStatus[status] ?? 0) + 1;
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
