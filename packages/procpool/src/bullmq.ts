// The whole of @procpool/bullmq (pools across machines on BullMQ), as procpool/bullmq.
export * from '@procpool/bullmq';
