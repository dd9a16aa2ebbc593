import { assertStreamName } from '../stream-checks.js';
import { assertSnapshot } from '../stream-metadata.js';
import type { SnapshotStore, StreamSnapshot } from '../streams.js';

/** Snapshots kept as JSON text, so the memory backend stores exactly what sqlite would. */
export class MemorySnapshots implements SnapshotStore {
  private readonly byStream = new Map<string, { revision: number; version: number; json: string }>();

  constructor(private readonly assertOpen: () => void) {}

  async loadSnapshot(stream: string): Promise<StreamSnapshot | undefined> {
    this.assertOpen();
    assertStreamName(stream);
    const found = this.byStream.get(stream);
    return found && { revision: found.revision, version: found.version, state: JSON.parse(found.json) as unknown };
  }

  async saveSnapshot(stream: string, snapshot: StreamSnapshot): Promise<void> {
    this.assertOpen();
    const valid = assertSnapshot(stream, snapshot);
    // Racing savers: the later revision wins, whichever call comes last.
    if ((this.byStream.get(valid.stream)?.revision ?? 0) > valid.snapshot.revision) return;
    this.byStream.set(valid.stream, { revision: valid.snapshot.revision, version: valid.snapshot.version, json: valid.json });
  }

  drop(stream: string): void {
    this.byStream.delete(stream);
  }
}
