import { expect } from 'chai';
import { composeText } from '../../workers/notifications/compose.js';
import type { PendingItem } from '../../workers/notifications/repo.js';

let ref = 0;
const item = (kind: PendingItem['kind'], actor: string | null = null): PendingItem => ({
  kind,
  ref_id: String(++ref),
  actor_id: actor,
  conversation_id: kind === 'message' ? 'c' : null,
  seq: null,
  note: null,
});
const names = new Map([
  ['a', 'Alice'],
  ['b', 'Bob'],
  ['c', 'Carol'],
  ['x', 'visit x.com'],
]);

describe('notification texts in the user language', () => {
  it('keeps the English wording', () => {
    expect(composeText([item('message', 'a'), item('message', 'b'), item('message', 'c')], names)).to.equal('💬 3 new messages from Alice, Bob and 1 other');
    expect(composeText([item('match', 'a'), item('like'), item('like')], names, 'en')).to.equal("🎉 It's a match with Alice!\n❤️ 2 people liked you");
  });

  it('speaks Russian with Russian plural forms', () => {
    const msgs = (n: number) => Array.from({ length: n }, () => item('message', 'a'));
    expect(composeText(msgs(1), names, 'ru')).to.equal('💬 1 новое сообщение от: Alice');
    expect(composeText(msgs(3), names, 'ru')).to.equal('💬 3 новых сообщения от: Alice');
    expect(composeText(msgs(5), names, 'ru')).to.equal('💬 5 новых сообщений от: Alice');
    expect(composeText(msgs(21), names, 'ru')).to.equal('💬 21 новое сообщение от: Alice');
    expect(composeText([item('match', 'a'), item('superlike'), item('superlike')], names, 'ru')).to.equal('🎉 У вас взаимная симпатия: Alice!\n⭐ Вам отправили суперлайк: 2 человека');
  });

  it('never names someone whose name Telegram would link, in either language', () => {
    expect(composeText([item('match', 'x')], names, 'ru')).to.equal('🎉 У вас взаимная симпатия: кто-то!');
    expect(composeText([item('match', 'x')], names, 'en')).to.equal("🎉 It's a match with someone!");
  });
});
