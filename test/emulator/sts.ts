import type { ServiceModule } from "./context.ts";

/** STS: who am I (query protocol). */
export const sts: ServiceModule = {
  service: "sts",
  validationCode: "ValidationError",
  operations: {
    GetCallerIdentity: {
      // AWS never denies GetCallerIdentity, even with an explicit deny.
      authorized: false,
      run: (_input, ctx) => ({ UserId: ctx.userId, Account: ctx.accountId, Arn: ctx.principalArn }),
    },
  },
};
