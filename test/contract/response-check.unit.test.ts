// The response check the e2e and bad-input suites use: it accepts what the
// document says and refuses what it does not.
import { expect } from 'chai';
import { contractProblems } from './response-check.js';

const profile = {
  user_id: '7a0b7c1e-4a53-4d2b-9a43-0c3e6f1f2a10',
  display_name: 'Ann',
  age: 30,
  gender: 'woman',
  bio: '',
  interests: [],
  photos: [],
  video: null,
  distance_km: null,
};

describe('response check against docs/openapi.json', () => {
  it('accepts a documented answer, under / and /api/v1', () => {
    for (const url of [`/profiles/${profile.user_id}`, `/api/v1/profiles/${profile.user_id}?x=1`]) {
      expect(contractProblems({ method: 'GET', url, status: 200, contentType: 'application/json', body: profile })).to.deep.equal([]);
    }
  });

  it('refuses a missing field, an extra field and a wrong type', () => {
    const { bio: _bio, ...noBio } = profile;
    const problems = [
      ...contractProblems({ method: 'GET', url: `/profiles/${profile.user_id}`, status: 200, contentType: 'application/json', body: noBio }),
      ...contractProblems({ method: 'GET', url: '/discovery/matches', status: 200, contentType: 'application/json', body: { matches: [], extra: 1 } }),
      ...contractProblems({ method: 'GET', url: '/discovery/likes', status: 200, contentType: 'application/json', body: { likes: 'none' } }),
    ];
    expect(problems.join('\n')).to.include('ProfileView').and.include('MatchList').and.include('LikeList');
  });

  it('refuses an undocumented status and an error outside the error shape', () => {
    expect(contractProblems({ method: 'POST', url: '/discovery/block', status: 201, contentType: 'application/json', body: {} })).to.have.length(1);
    expect(contractProblems({ method: 'GET', url: '/media/x', status: 404, contentType: 'application/json', body: { message: 'no' } })).to.not.deep.equal([]);
  });

  it("accepts the contract's 404 for an unknown path, and raw answers of the documented type", () => {
    expect(contractProblems({ method: 'GET', url: '/nope', status: 404, contentType: 'application/json', body: { error: { code: 'not_found', message: 'No route' } } })).to.deep.equal([]);
    expect(contractProblems({ method: 'GET', url: '/media/files/ab/cd.webp', status: 200, contentType: 'image/webp', body: '' })).to.deep.equal([]);
    expect(contractProblems({ method: 'GET', url: '/', status: 200, contentType: 'text/html; charset=utf-8', body: '<!doctype html>' })).to.deep.equal([]);
  });
});
