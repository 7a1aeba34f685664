/** Why an uploaded bulk file cannot be read at all (a bad row is not an error: it carries one). */
export type BulkInputErrorCode =
  'file_too_large' | 'empty_file' | 'no_address_column' | 'unknown_column' | 'invalid_options';

/**
 * A bulk file refused as a whole, with a stable `code` and a French message for the uploader
 * that says what was expected and what was found.
 */
export class BulkInputError extends Error {
  constructor(
    readonly code: BulkInputErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'BulkInputError';
  }
}
