import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page, WebSocketRoute } from 'playwright-core';
import { launchBrowser, screenshot } from '../support/browser.js';
import {
  WEB_CLIENT_ENV,
  webClientSystem,
  newPerson,
  register,
  login,
  composer,
  bodies,
  chatItem,
  send,
} from './web-client-helpers.js';

/**
 * The web client in Chromium against the whole system as `npm start` runs it: two people chat
 * live, one of them loses the WebSocket and gets everything missed exactly once, reloads keep the
 * session, and a session revoked from another device signs that tab out; groups and their
 * members; profiles and errors; an accessibility audit of every screen. Access tokens live 5 s
 * here, so every step also runs across token refreshes. What survives failures is in
 * web-client-resilience.test.ts.
 */

const browser = await launchBrowser();
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
interface AxeViolation {
  id: string;
  impact: string;
  help: string;
  nodes: { target: string[] }[];
}

/** Records the page's WebSockets to the gateway; `cut()` closes them and refuses new ones until `restore()`. */
async function cuttable(page: Page) {
  const open = new Set<WebSocketRoute>();
  let cut = false;
  await page.routeWebSocket(/\/graphql$/, (ws) => {
    if (cut) {
      void ws.close({ code: 1001, reason: 'network down' });
      return;
    }
    ws.connectToServer();
    open.add(ws);
    ws.onClose(() => open.delete(ws));
  });
  return {
    async cut() {
      cut = true;
      await Promise.all([...open].map((ws) => ws.close({ code: 1001, reason: 'network down' })));
    },
    restore() {
      cut = false;
    },
  };
}

const alice = newPerson('alice');
const bob = newPerson('bob');

describe.skipIf(!browser)('web client in Chromium', () => {
  const web = webClientSystem(browser, 'web_client', WEB_CLIENT_ENV);
  const { open } = web;

  it(
    'two people chat live, with unread badges, replies, reconnects, reloads and revoked devices',
    { timeout: 180_000 },
    async () => {
      const a = await open();
      const b = await open();
      const bNetwork = await cuttable(b.page);
      await register(a.page, web.system.url, alice);
      await register(b.page, web.system.url, bob);

      // A finds B by username and opens a direct chat.
      await a.page.getByPlaceholder('Find people').fill(bob.username.slice(0, 8));
      await a.page.getByRole('button', { name: new RegExp(`^Message .*@${bob.username}\\)$`) }).click();
      await expect.poll(() => a.page.url()).toMatch(/#\/chats\//);
      await send(a.page, 'Hello Bob!');
      await expect.poll(() => bodies(a.page).allInnerTexts()).toEqual(['Hello Bob!']);
      // Confirmed by the server: no longer pending.
      await a.page.locator('[data-testid="message"]:not([data-pending])').first().waitFor();

      // B sees it live, with an unread badge.
      await chatItem(b.page).first().waitFor();
      await expect.poll(() => chatItem(b.page).first().getByTestId('unread-badge').textContent()).toBe('1');
      expect(await b.page.title()).toBe('(1) Messenger');
      await expect.poll(() => chatItem(b.page).first().innerText()).toContain('Hello Bob!');

      // B opens it: the badge clears, and A's message shows as read.
      await chatItem(b.page).first().getByRole('link').click();
      await expect.poll(() => bodies(b.page).allInnerTexts()).toEqual(['Hello Bob!']);
      await expect.poll(() => chatItem(b.page).first().getByTestId('unread-badge').count()).toBe(0);
      expect(await b.page.title()).toBe('Messenger');
      await expect.poll(() => a.page.getByTestId('receipt').last().textContent()).toBe('Read');

      // B replies to A's message; A sees the reply live with its quote.
      // By keyboard: the message's actions are reachable with Tab, and Enter presses them.
      await b.page.getByRole('button', { name: 'Reply' }).first().focus();
      await b.page.keyboard.press('Enter');
      await expect.poll(() => b.page.getByTestId('composer-context').innerText()).toContain('Hello Bob!');
      await expect
        .poll(() => b.page.evaluate(() => document.activeElement?.getAttribute('aria-label')))
        .toBe('Message');
      await b.page.keyboard.type('Hi Alice, good to see you');
      await b.page.keyboard.press('Enter');
      await expect.poll(() => bodies(a.page).allInnerTexts()).toEqual(['Hello Bob!', 'Hi Alice, good to see you']);
      await expect.poll(() => a.page.locator('blockquote.quote').first().innerText()).toContain('Hello Bob!');

      // B is typing: A sees it in the chat header.
      await composer(b.page).fill('typing something');
      await expect.poll(() => a.page.getByTestId('chat-subtitle').textContent()).toMatch(/typing/);
      await composer(b.page).fill('');

      // B's connection goes down while A sends three messages and edits one.
      await bNetwork.cut();
      await expect.poll(() => b.page.getByTestId('connection').textContent()).toMatch(/Reconnecting/);
      for (const text of ['one', 'two', 'three']) await send(a.page, text);
      await expect.poll(() => a.page.locator('[data-testid="message"][data-pending]').count()).toBe(0);
      const two = a.page.getByRole('log', { name: 'Messages' }).getByTestId('message').filter({ hasText: 'two' });
      await two.hover();
      await two.getByRole('button', { name: 'Edit' }).click();
      await composer(a.page).fill('two (edited)');
      await composer(a.page).press('Enter');
      await expect
        .poll(() => bodies(a.page).allInnerTexts())
        .toEqual(['Hello Bob!', 'Hi Alice, good to see you', 'one', 'two (edited)', 'three']);
      // Still cut off: B has none of it.
      expect(await bodies(b.page).allInnerTexts()).toEqual(['Hello Bob!', 'Hi Alice, good to see you']);

      // Back online: B shows all three exactly once, in order, with the edit.
      bNetwork.restore();
      await expect
        .poll(() => bodies(b.page).allInnerTexts(), { timeout: 30_000 })
        .toEqual(['Hello Bob!', 'Hi Alice, good to see you', 'one', 'two (edited)', 'three']);
      await expect.poll(() => b.page.getByTestId('connection').textContent()).toBe('');
      expect(await b.page.locator('.message .edited').count()).toBe(1);

      // A deletes "one" (keyboard again, with a confirmation); B sees the tombstone in its place.
      const one = a.page.getByRole('log', { name: 'Messages' }).getByTestId('message').filter({ hasText: /^one/ });
      await one.getByRole('button', { name: 'Delete' }).focus();
      await a.page.keyboard.press('Enter');
      await one.getByRole('button', { name: 'Delete for everyone' }).focus();
      await a.page.keyboard.press('Enter');
      const afterDelete = ['Hello Bob!', 'Hi Alice, good to see you', 'Message deleted', 'two (edited)', 'three'];
      await expect.poll(() => bodies(b.page).allInnerTexts()).toEqual(afterDelete);
      await expect.poll(() => bodies(a.page).allInnerTexts()).toEqual(afterDelete);

      // Screenshots of the chat view at desktop and phone width.
      await screenshot(b.page, 'chat-desktop');
      await b.page.setViewportSize({ width: 390, height: 844 });
      await expect.poll(() => b.page.getByRole('navigation', { name: 'Chats' }).isVisible()).toBe(false);
      await screenshot(b.page, 'chat-phone');
      await b.page.getByRole('link', { name: 'Back to chats' }).click();
      await expect.poll(() => b.page.getByRole('navigation', { name: 'Chats' }).isVisible()).toBe(true);
      await screenshot(b.page, 'chat-list-phone');

      // A reload keeps A signed in, with the chat and its history.
      await a.page.reload();
      await expect.poll(() => bodies(a.page).allInnerTexts()).toEqual(afterDelete);

      // A signs in on a second device and signs the first one out from its devices page.
      const a2 = await open();
      await login(a2.page, web.system.url, alice);
      await a2.page.getByRole('link', { name: 'Devices' }).click();
      await expect.poll(() => a2.page.getByTestId('session').count()).toBe(2);
      await a2.page.getByRole('button', { name: 'Sign out device' }).click();
      await expect.poll(() => a2.page.getByTestId('session').count()).toBe(1);
      await a.page.getByRole('button', { name: 'Sign in' }).waitFor({ timeout: 15_000 });
      expect(await a.page.getByRole('status').first().textContent()).toMatch(/signed out/);
      // The second device goes on working.
      await a2.page.getByRole('link', { name: 'Messenger' }).click();
      await chatItem(a2.page).first().getByRole('link').click();
      await send(a2.page, 'from my other device');
      await expect.poll(() => chatItem(b.page).first().innerText()).toContain('from my other device');

      // Signing out ends the session for good: a reload shows the sign-in form.
      await a2.page.getByRole('button', { name: 'Sign out' }).click();
      await a2.page.getByRole('button', { name: 'Sign in' }).waitFor();
      await a2.page.reload();
      await a2.page.getByRole('button', { name: 'Sign in' }).waitFor();

      for (const opened of [a, b, a2]) expect(opened.errors).toEqual([]);
    },
  );

  it(
    'creates a group with members, shows them, and closes the chat for a member who is removed',
    { timeout: 90_000 },
    async () => {
      const owner = newPerson('owner');
      const member = newPerson('member');
      const o = await open();
      const m = await open();
      await register(o.page, web.system.url, owner);
      await register(m.page, web.system.url, member);

      await o.page.getByRole('button', { name: 'New group' }).click();
      await o.page.getByLabel('Group title').fill('Weekend plans');
      await o.page.getByPlaceholder('Add members').fill(member.username);
      await o.page.getByRole('button', { name: new RegExp(`^Add .*@${member.username}\\)$`) }).click();
      await o.page.getByRole('button', { name: 'Create group' }).click();
      await o.page.getByRole('heading', { name: 'Weekend plans' }).waitFor();
      await o.page.getByRole('button', { name: 'Members' }).click();
      const members = o.page.getByRole('complementary', { name: 'Members' }).getByRole('listitem');
      await expect.poll(() => members.allInnerTexts()).toHaveLength(2);
      expect((await members.allInnerTexts()).join('\n')).toMatch(/\(you\)[\s\S]*Owner/);

      // The member learns of the new group live, opens it and sees the owner's message.
      await send(o.page, 'Who is in?');
      await chatItem(m.page).filter({ hasText: 'Weekend plans' }).getByRole('link').click();
      await expect.poll(() => bodies(m.page).allInnerTexts()).toEqual(['Who is in?']);

      // The member's list is ordered by last activity: a direct message from the owner comes
      // first, then the group again once it has something newer.
      const titles = () => chatItem(m.page).locator('.chat-title').allInnerTexts();
      await o.page.getByPlaceholder('Find people').fill(member.username);
      await o.page.getByRole('button', { name: new RegExp(`^Message .*@${member.username}\\)$`) }).click();
      await o.page.getByRole('heading', { name: member.username }).waitFor();
      await send(o.page, 'Just you and me');
      await expect.poll(titles).toEqual([owner.username, 'Weekend plans']);
      await chatItem(o.page).filter({ hasText: 'Weekend plans' }).getByRole('link').click();
      // Typed before the group's view replaced the direct chat's, the message would go there.
      await o.page.getByRole('heading', { name: 'Weekend plans' }).waitFor();
      await send(o.page, 'Saturday?');
      await expect.poll(titles).toEqual(['Weekend plans', owner.username]);
      await chatItem(m.page).filter({ hasText: 'Weekend plans' }).getByRole('link').click();
      await expect.poll(() => bodies(m.page).allInnerTexts()).toEqual(['Who is in?', 'Saturday?']);
      await o.page.getByRole('button', { name: 'Members' }).click();

      // Removed by the owner: the member's open chat closes and says why.
      await o.page.getByRole('button', { name: /^Remove .* from the group$/ }).click();
      await m.page.getByText('You are no longer in “Weekend plans”.').waitFor();
      await expect.poll(titles).toEqual([owner.username]);
      await expect.poll(() => members.count()).toBe(1);

      // Added back from the members panel: the group reappears in the member's list, with its
      // history; the member then leaves it, and the owner's panel follows.
      await o.page.getByPlaceholder('Add people').fill(member.username);
      await o.page.getByRole('button', { name: new RegExp(`^Add .*@${member.username}\\)$`) }).click();
      await expect.poll(() => members.count()).toBe(2);
      await expect.poll(titles).toEqual(['Weekend plans', owner.username]);
      await chatItem(m.page).filter({ hasText: 'Weekend plans' }).getByRole('link').click();
      await expect.poll(() => bodies(m.page).allInnerTexts()).toEqual(['Who is in?', 'Saturday?']);
      await m.page.getByRole('button', { name: 'Members' }).click();
      await m.page.getByRole('button', { name: 'Leave group' }).click();
      await expect.poll(titles).toEqual([owner.username]);
      await expect.poll(() => members.count()).toBe(1);
      for (const opened of [o, m]) expect(opened.errors).toEqual([]);
    },
  );

  it('shows profile changes live and server errors as sentences', { timeout: 90_000 }, async () => {
    const first = newPerson('carol');
    const second = newPerson('dave');
    const c = await open();
    const d = await open();
    await register(c.page, web.system.url, first);

    // A taken username and a wrong password read as sentences, not codes.
    await d.page.goto(web.system.url);
    await d.page.getByRole('button', { name: 'Create an account' }).click();
    await d.page.getByLabel('Email').fill(second.email);
    await d.page.getByLabel('Username').fill(first.username);
    await d.page.getByLabel('Password').fill(second.password);
    await d.page.getByRole('button', { name: 'Create account' }).click();
    await expect.poll(() => d.page.getByRole('alert').textContent()).toBe('Username is taken.');
    await d.page.getByRole('button', { name: 'Sign in instead' }).click();
    await d.page.getByLabel('Email').fill(first.email);
    await d.page.getByLabel('Password').fill('not the password');
    await d.page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => d.page.getByRole('alert').textContent()).toBe('Wrong email or password.');
    await d.page.getByRole('button', { name: 'Create an account' }).click();
    await d.page.getByLabel('Username').fill(second.username);
    await d.page.getByLabel('Email').fill(second.email);
    await d.page.getByLabel('Password').fill(second.password);
    await d.page.getByRole('button', { name: 'Create account' }).click();
    await d.page.getByRole('navigation', { name: 'Chats' }).waitFor();

    // Dave writes to Carol; then Carol renames herself and Dave sees the new name live.
    await d.page.getByPlaceholder('Find people').fill(first.username);
    await d.page.getByRole('button', { name: new RegExp(`@${first.username}\\)$`) }).click();
    await send(d.page, 'Hi Carol');
    await chatItem(c.page).first().waitFor();
    await c.page.getByRole('link', { name: first.username }).click();
    await c.page.getByLabel('Avatar URL').fill('http://example.com/me.png');
    await c.page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => c.page.getByRole('alert').textContent()).toBe('Avatar URL must be an https URL.');
    await c.page.getByLabel('Avatar URL').fill('');
    await c.page.getByLabel('Display name').fill('Carol Danvers');
    await c.page.getByLabel('Bio').fill('Pilot');
    await c.page.getByRole('button', { name: 'Save' }).click();
    await c.page.getByText('Saved.').waitFor();
    await expect.poll(() => d.page.getByRole('heading', { level: 2 }).textContent()).toBe('Carol Danvers');
    await expect.poll(() => chatItem(d.page).first().innerText()).toContain('Carol Danvers');
    // …and finds her by her display name too.
    await d.page.getByPlaceholder('Find people').fill('carol dan');
    await d.page.getByRole('button', { name: `Message Carol Danvers (@${first.username})` }).waitFor();
    // The failed save logged nothing: errors are answers, not exceptions.
    for (const opened of [c, d]) expect(opened.errors).toEqual([]);
  });

  it(
    'passes an accessibility audit (axe-core) on every screen, at desktop and phone width',
    { timeout: 90_000 },
    async () => {
      const person = newPerson('kim');
      // The audit script is injected into the page, which the client's CSP would refuse.
      const { page, errors } = await open({ bypassCSP: true });
      const violations: string[] = [];
      const audit = async (screen: string) => {
        await page.addScriptTag({ content: AXE_SOURCE });
        const found = await page.evaluate(async () => {
          const axe = (window as unknown as { axe: { run(): Promise<{ violations: AxeViolation[] }> } }).axe;
          return (await axe.run()).violations.map(
            (v) => `${v.impact} ${v.id}: ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
          );
        });
        violations.push(...found.map((line) => `${screen}: ${line}`));
      };
      for (const width of [1280, 390]) {
        await page.setViewportSize({ width, height: 800 });
        await page.goto(web.system.url);
        if (width === 1280) {
          await page.getByLabel('Email').waitFor();
          await audit(`sign-in @${width}`);
          await register(page, web.system.url, person);
          await page.getByRole('button', { name: 'New group' }).click();
          await page.getByLabel('Group title').fill('Audited');
          await page.getByRole('button', { name: 'Create group' }).click();
          await page.getByRole('heading', { name: 'Audited' }).waitFor();
          await send(page, 'Is this readable?');
          await page.locator('[data-testid="message"]:not([data-pending])').waitFor();
        }
        await page.goto(web.system.url);
        await chatItem(page).first().waitFor();
        await audit(`chat list @${width}`);
        await chatItem(page).first().getByRole('link').click();
        await page.getByRole('log', { name: 'Messages' }).getByTestId('message').first().waitFor();
        await audit(`chat @${width}`);
        await page.getByRole('button', { name: 'Members' }).click();
        await page.getByRole('complementary', { name: 'Members' }).getByRole('listitem').first().waitFor();
        await audit(`members @${width}`);
        await page.goto(`${web.system.url}#/profile`);
        await page.getByLabel('Display name').waitFor();
        await audit(`profile @${width}`);
        await page.goto(`${web.system.url}#/sessions`);
        await page.getByTestId('session').waitFor();
        await audit(`devices @${width}`);
      }
      // The dark colour scheme (prefers-color-scheme) is read as well.
      await page.emulateMedia({ colorScheme: 'dark' });
      await page.setViewportSize({ width: 1280, height: 800 });
      await page.goto(web.system.url);
      await chatItem(page).first().getByRole('link').click();
      await page.getByRole('log', { name: 'Messages' }).getByTestId('message').first().waitFor();
      await audit('chat, dark');
      await page.goto(`${web.system.url}#/sessions`);
      await page.getByTestId('session').waitFor();
      await audit('devices, dark');
      expect(violations).toEqual([]);
      expect(errors).toEqual([]);
    },
  );
});
