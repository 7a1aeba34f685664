/** The field of a degree-days value that was refused. */
export type DegreeDaysField = 'dept' | 'annee' | 'dju' | 'source' | 'updatedBy' | 'referencePeriod';

/** A degree-days value or option refused, naming the field (400 over HTTP, exit 2 in the CLI). */
export class DegreeDaysInputError extends Error {
  readonly code = 'invalid_parameter';

  constructor(
    readonly field: DegreeDaysField,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'DegreeDaysInputError';
  }
}
