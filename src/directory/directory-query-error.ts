/** A bad directory query (unknown specialty, no place or two, bad cursor…): a 400 with this code. */
export class DirectoryQueryError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}
