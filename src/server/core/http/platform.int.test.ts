import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, Client, type TestApp } from '../../../../test/helpers/app.js';

let t: TestApp;

beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

describe('platform routes', () => {
  it('GET /healthz answers ok when the database answers', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('DENY');
  });

  it('GET /api/openapi.json is an OpenAPI 3 document of the API, without signing in', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.info.title).toContain('Linli');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/auth/login', '/api/auth/me', '/api/units/{id}']));
    expect(doc.paths['/api/auth/login'].post.requestBody.content['application/json'].schema.properties).toHaveProperty('username');
    expect(doc.paths['/api/units/{id}'].get.parameters).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'id', in: 'path' })]));
    expect(doc.components.securitySchemes.session).toMatchObject({ type: 'apiKey', in: 'cookie', name: 'linli_sid' });
    // Internal routes stay out of the document.
    expect(doc.paths).not.toHaveProperty('/healthz');
    expect(doc.paths).not.toHaveProperty('/api/openapi.json');
  });

  it('GET /api/docs serves the interactive documentation page', async () => {
    let res = await t.app.inject({ method: 'GET', url: '/api/docs' });
    if (res.statusCode >= 300 && res.statusCode < 400) {
      res = await t.app.inject({ method: 'GET', url: new URL(String(res.headers.location), 'http://x/api/docs').pathname });
    }
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.body).toMatch(/swagger/i);
    // The static files the page needs are served without a session too.
    const init = await t.app.inject({ method: 'GET', url: '/api/docs/static/swagger-initializer.js' });
    expect(init.statusCode).toBe(200);
    const css = await t.app.inject({ method: 'GET', url: '/api/docs/static/swagger-ui.css' });
    expect(css.statusCode).toBe(200);
    expect(css.headers['content-type']).toMatch(/^text\/css/);
    const json = await t.app.inject({ method: 'GET', url: '/api/docs/json' });
    expect(json.statusCode).toBe(200);
    expect(json.json().openapi).toMatch(/^3\./);
  });

  it('an unknown /api route is a 404 JSON error in the caller’s language', async () => {
    const c = new Client(t.app);
    const zh = await c.get('/api/no-such-thing?x=1');
    expect(zh.statusCode).toBe(404);
    expect(zh.headers['content-type']).toMatch(/^application\/json/);
    expect(zh.json()).toEqual({ error: { code: 'not_found', message: '接口不存在：GET /api/no-such-thing' } });
    c.lang = 'en';
    const en = await c.request('DELETE', '/api/no-such-thing');
    expect(en.statusCode).toBe(404);
    expect(en.json()).toEqual({ error: { code: 'not_found', message: 'No such endpoint: DELETE /api/no-such-thing' } });
    const none = await t.app.inject({ method: 'GET', url: '/api/nothing' });
    expect(none.json().error.message).toBe('接口不存在：GET /api/nothing');
  });

  it('picks the language from Accept-Language with quality values', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/auth/me', headers: { 'accept-language': 'fr;q=1, en-GB;q=0.9, zh-CN;q=0.5' } });
    expect(res.statusCode).toBe(401);
    expect(res.json().error).toEqual({ code: 'unauthenticated', message: 'Please sign in' });
    const zh = await t.app.inject({ method: 'GET', url: '/api/auth/me', headers: { 'accept-language': 'zh-TW,en;q=0.8' } });
    expect(zh.json().error.message).toBe('请先登录');
  });

  it('refuses a body that is not a JSON object with 4xx, not 500', async () => {
    const xml = await t.app.inject({ method: 'POST', url: '/api/auth/login', headers: { 'content-type': 'application/xml' }, payload: '<login/>' });
    expect(xml.statusCode).toBe(415);
    expect(xml.json().error.code).toBe('unsupported_media_type');
    const text = await t.app.inject({ method: 'POST', url: '/api/auth/login', headers: { 'content-type': 'text/plain' }, payload: 'username=a' });
    expect(text.statusCode).toBe(400);
    expect(text.json().error.code).toBe('invalid');
    const array = await t.app.inject({ method: 'POST', url: '/api/auth/login', headers: { 'content-type': 'application/json' }, payload: '[]' });
    expect(array.statusCode).toBe(400);
    expect(array.json().error.field).toBe('body');
  });
});
