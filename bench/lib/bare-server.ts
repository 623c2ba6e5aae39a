/**
 * The bare-Fastify baseline of the intake benchmark, run in its own process (PORT, HOST from the
 * environment): the same Fastify and Zod type provider as Linli, one POST /api/cases route validating the
 * very body schema Linli's report takes (ReportCaseInput) and answering 201 with a JSON case of similar
 * size — no session, no database. What is left between this and Linli is Linli's own work.
 */
import Fastify from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { ReportCaseInput } from '../../src/shared/cases.schemas.js';

const app = Fastify({ logger: false }).withTypeProvider<ZodTypeProvider>();
app.setValidatorCompiler(validatorCompiler);
app.setSerializerCompiler(serializerCompiler);

let next = 1;
app.get('/healthz', async () => ({ status: 'ok' }));
app.post('/api/cases', { schema: { body: ReportCaseInput } }, async (req, reply) => {
  const id = String(next++);
  const now = new Date().toISOString();
  return reply.status(201).send({
    id, number: `BENCH-${id.padStart(6, '0')}`, state: 'reported', stage: 'accept', ...req.body,
    unit: { id: '1', name: '网格', level: 'grid', code: '000000000000000' }, createdAt: now, updatedAt: now,
    events: [{ action: 'report', at: now, actor: 'bench' }],
  });
});

const port = Number(process.env.PORT ?? 0);
await app.listen({ port, host: process.env.HOST ?? '127.0.0.1' });
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => { void app.close().then(() => process.exit(0)); });
}
