import { expect } from 'chai';
import { deepLinkOf, openAppButton } from '../../workers/notifications/compose.js';
import type { PendingItem } from '../../workers/notifications/repo.js';

const item = (kind: PendingItem['kind'], ref: string, conversation: string | null = null): PendingItem => ({
  kind,
  ref_id: ref,
  actor_id: null,
  conversation_id: conversation,
  seq: null,
  note: null,
});

describe('notification deep links', () => {
  it('opens the conversation of the newest message, even when a match came later', () => {
    const items = [item('message', 'm1', 'conv-old'), item('match', 'match-1'), item('message', 'm2', 'conv-new'), item('like', 'l1')];
    expect(deepLinkOf(items)).to.equal('c_conv-new');
  });

  it('opens the newest match when there is no message, and nothing for likes alone', () => {
    expect(deepLinkOf([item('match', 'a'), item('match', 'b'), item('like', 'l')])).to.equal('m_b');
    expect(deepLinkOf([item('like', 'l'), item('superlike', 's'), item('warning', 'w')])).to.equal(undefined);
  });

  it('puts the start parameter in the WebApp URL, or in a t.me link as startapp', () => {
    const web = openAppButton({ webAppUrl: 'https://app.example.com/webapp?x=1', botUsername: 'bot' }, 'c_1');
    expect(web).to.deep.equal({ inline_keyboard: [[{ text: 'Open the app', web_app: { url: 'https://app.example.com/webapp?x=1&startapp=c_1' } }]] });
    const link = openAppButton({ webAppUrl: undefined, botUsername: 'the_bot' }, 'm_2');
    expect(link).to.deep.equal({ inline_keyboard: [[{ text: 'Open the app', url: 'https://t.me/the_bot?startapp=m_2' }]] });
    expect(openAppButton({ webAppUrl: undefined, botUsername: undefined }, 'c_1')).to.equal(undefined);
  });
});
