import type { EventContract } from './core/contract.js';
import type { CloudEvent } from './core/envelope.js';
import type { Middleware } from './consumer/types.js';
import { assertClaimCheckOptions, checkIn, checkOut, fetchClaims, type ClaimCheckOptions } from './schema/claim-check.js';
import { decryptPii, decryptSensitive, encryptPii } from './security/pii.js';
import { signEvent, type SigningKey } from './security/signing.js';
import type { SubjectKeyStore } from './security/subject-keys.js';
import { verifySignatures, type VerifySignaturesOptions } from './security/verify-signatures.js';

/**
 * What the facade does to events on their way in and out, when asked:
 * publish: encrypt the contract's PII fields → move a large payload to the blob store → sign;
 * subscribe: verify the signature (of what was stored) → fetch the payload → decrypt.
 */
export interface GovernanceOptions {
  /** Encrypt contracts' `pii` fields per data subject (publish) and decrypt them (subscribe). */
  pii?: { keys: SubjectKeyStore };
  /** Sign every event published through this instance (several keys while rotating). */
  signing?: SigningKey | readonly SigningKey[];
  /** Refuse events without a valid signature in subscriptions (middleware `verifySignatures`). */
  verify?: VerifySignaturesOptions;
  /** Store payloads above the threshold in a blob store (CloudEvents `dataref`). */
  claimCheck?: ClaimCheckOptions;
}

export class Governance {
  constructor(private readonly options: GovernanceOptions) {
    if (options.claimCheck) assertClaimCheckOptions(options.claimCheck);
  }

  get active(): boolean {
    return Boolean(this.options.pii || this.options.signing || this.options.verify || this.options.claimCheck);
  }

  /** The event as it is appended. */
  async prepare(event: CloudEvent, contract?: EventContract<unknown>): Promise<CloudEvent> {
    const { pii, claimCheck, signing } = this.options;
    let out = event;
    if (pii && contract?.pii) out = await encryptPii(out, contract.pii, pii.keys);
    if (claimCheck) out = await checkIn(out, claimCheck);
    if (signing) out = signEvent(out, signing as SigningKey | SigningKey[]);
    return out;
  }

  /** Middleware for subscriptions, outermost first. */
  middleware(): Middleware[] {
    const { verify, claimCheck, pii } = this.options;
    return [
      ...(verify ? [verifySignatures(verify)] : []),
      ...(claimCheck ? [fetchClaims(claimCheck.store)] : []),
      ...(pii ? [decryptSensitive(pii.keys)] : []),
    ];
  }

  /** A stored event as handlers would see it (payload fetched, PII decrypted), for read and consume. */
  async open(event: CloudEvent): Promise<CloudEvent> {
    let out = event;
    if (this.options.claimCheck) out = await checkOut(out, this.options.claimCheck.store);
    if (this.options.pii) out = await decryptPii(out, this.options.pii.keys);
    return out;
  }
}
