/**
 * The partition tool of the R11 soak: hosts in network namespaces reach each other on the peer
 * network until one is isolated, which its clients still reach; healed, it is reachable again.
 */
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { connect } from 'node:net';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { NetnsHosts, netnsUnavailable } from './netns.js';

const run = promisify(execFile);
const PORT = 7_411;

/** Whether a TCP connection from inside host `from`'s namespace to `ip` opens within 1 s. */
async function reachableFrom(hosts: NetnsHosts, from: number, ip: string): Promise<boolean> {
  const script = `const s=require('net').connect(${PORT},'${ip}',()=>{console.log('up');process.exit(0)});s.on('error',()=>process.exit(1));setTimeout(()=>process.exit(1),1000)`;
  const [command, args] = hosts.command(from, process.execPath, ['-e', script]);
  return run(command, args).then(() => true, () => false);
}

function reachableHere(ip: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(PORT, ip, () => { socket.destroy(); resolve(true); });
    socket.on('error', () => resolve(false));
    socket.setTimeout(1_000, () => { socket.destroy(); resolve(false); });
  });
}

describe('netns hosts (partition tool)', () => {
  it('an isolated host is cut off from its peers, not from its clients, until healed', async (t) => {
    const why = netnsUnavailable();
    if (why) {
      if (process.env.CI === 'true') throw new Error(`CI=true and ${why}`);
      t.skip(why);
      return;
    }
    const hosts = new NetnsHosts(2);
    const target = hosts.hosts[1]!;
    const [command, args] = hosts.command(1, process.execPath, ['-e',
      `const net=require('net');for(const ip of ['${target.clientIp}','${target.peerIp}'])net.createServer(s=>s.end()).listen(${PORT},ip);setTimeout(()=>{},60000)`]);
    const server = spawn(command, args, { stdio: 'ignore' });
    try {
      let ready = false;
      for (let i = 0; i < 50 && !ready; i++) {
        ready = await reachableHere(target.clientIp);
        if (!ready) await new Promise((r) => setTimeout(r, 100));
      }
      assert.ok(ready, 'the host is reached from here on the client network');
      assert.equal(await reachableFrom(hosts, 0, target.peerIp), true, 'a peer reaches it on the peer network');
      hosts.isolate(1);
      assert.equal(await reachableFrom(hosts, 0, target.peerIp), false, 'isolated: its peer does not');
      assert.equal(await reachableHere(target.clientIp), true, 'isolated: its clients still do');
      hosts.heal(1);
      assert.equal(await reachableFrom(hosts, 0, target.peerIp), true, 'healed: its peer does again');
    } finally {
      server.kill('SIGKILL');
      hosts.destroy();
    }
    const { stdout } = await run('ip', ['netns', 'list']);
    assert.ok(!stdout.includes(hosts.hosts[0]!.ns), 'destroy removes the namespaces');
  });
});
