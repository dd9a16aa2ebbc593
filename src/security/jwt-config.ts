import { readFileSync } from 'node:fs';
import { invalidArgument } from '../core/errors.js';
import type { JwtOptions } from './jwt.js';

export interface JwtFiles {
  /** A file holding the HS256 secret (a trailing newline is ignored). */
  secretFile?: string;
  /** A file holding the issuer's Ed25519 public key, PEM or JWK. */
  publicKeyFile?: string;
  issuer?: string;
  audience?: string;
}

function read(path: string, field: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    // The path is not a secret; the content never appears in a message.
    throw invalidArgument(`${field}: cannot read ${JSON.stringify(path)} (${(error as NodeJS.ErrnoException).code ?? 'error'})`, { field });
  }
}

/**
 * The server's JWT options from files, as `herald serve` takes them: a secret is read from a
 * file, never from the command line (where `ps` and shell history would show it). Undefined
 * when neither file is given; the options are checked by the server when it starts.
 */
export function loadJwtOptions(files: JwtFiles): JwtOptions | undefined {
  const { secretFile, publicKeyFile, issuer, audience } = files;
  if (secretFile === undefined && publicKeyFile === undefined) {
    if (issuer !== undefined || audience !== undefined) {
      throw invalidArgument('a JWT issuer or audience needs a JWT secret file or public key file', { field: issuer !== undefined ? 'jwtIssuer' : 'jwtAudience' });
    }
    return undefined;
  }
  return {
    ...(secretFile !== undefined ? { hs256Secret: read(secretFile, 'jwtSecretFile').replace(/[\r\n]+$/, '') } : {}),
    ...(publicKeyFile !== undefined ? { ed25519PublicKey: read(publicKeyFile, 'jwtPublicKey') } : {}),
    ...(issuer !== undefined ? { issuer } : {}),
    ...(audience !== undefined ? { audience } : {}),
  };
}
