/**
 * Reads the whole of stdin, for secrets (passwords, keys): an argument would sit in the shell history
 * and in `ps` for every user of the machine. One trailing newline (from `echo` or a here-string) is
 * not part of the secret.
 */
export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}
