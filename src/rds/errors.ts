import { AwsError } from '../server/errors.js';

/** An RDS fault: the Query protocol renders code, message and status in AWS's XML error envelope. */
export function fault(code: string, message: string, status = 400): AwsError {
  return new AwsError(code, message, status);
}

export const invalidParameterValue = (message: string): AwsError => fault('InvalidParameterValue', message);
export const invalidParameterCombination = (message: string): AwsError => fault('InvalidParameterCombination', message);
export const missingParameter = (name: string): AwsError => fault('MissingParameter', `The request must contain the parameter ${name}`);
