import type { Admin, Kafka } from 'kafkajs';

/** One Kafka admin connection, opened when first needed and again after a failure; stop() never throws. */
export function createAdminSession(kafka: Kafka) {
  const admin = kafka.admin();
  let connected: Promise<void> | undefined;
  return {
    async get(): Promise<Admin> {
      connected ??= admin.connect().catch((err: unknown) => {
        connected = undefined;
        throw err;
      });
      await connected;
      return admin;
    },
    async stop(): Promise<void> {
      await admin.disconnect().catch(() => undefined);
    },
  };
}

export type AdminSession = ReturnType<typeof createAdminSession>;
