/**
 * Registers aws-sdk-client-mock's vitest matchers (`toHaveReceivedCommandWith`, …)
 * once for every test file; the import also brings their types.
 */
import 'aws-sdk-client-mock-vitest/extend';
