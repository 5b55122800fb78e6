// The error @attn/train throws for a run that cannot go on as asked: bad options,
// a saved state that does not fit this model or data, a loss or gradient that
// stopped being finite. Front ends map it to "fix your input" by class.
// (A training-state file that cannot be read is @attn/model's CheckpointError.)

export class TrainingError extends Error {
  override name = 'TrainingError';
}
