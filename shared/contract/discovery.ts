// Candidates, swipes, matches, likes and reports.
import { z } from 'zod';
import { Id, shape, Timestamp } from './common.js';
import { ChatMessage } from './chat.js';
import { PublicProfile } from './profiles.js';

const FitParts = z.object({ interests: z.number(), age: z.number(), distance: z.number(), total: z.number() });

export const Candidate = shape(
  'Candidate',
  PublicProfile.extend({
    score: z.number(),
    /** Present (true) when the candidate already liked the caller. */
    liked_you: z.boolean().optional(),
    /** Development mode with ?debug=true only. */
    score_breakdown: z
      .object({
        fit_me_to_them: FitParts,
        fit_them_to_me: FitParts,
        reciprocal: z.number(),
        activity: z.number(),
        boost: z.number(),
        score: z.number(),
        impressions_today: z.number().int(),
      })
      .optional(),
  }),
);
export type Candidate = z.infer<typeof Candidate>;

export const CandidatePage = shape('CandidatePage', z.object({ candidates: z.array(Candidate), next_cursor: z.string().nullable() }));
export type CandidatePage = z.infer<typeof CandidatePage>;

export const RewindResult = shape(
  'RewindResult',
  z.object({ candidate: Candidate }),
  'The pass is undone: the person, scored as a candidate again, to show once more.',
);
export type RewindResult = z.infer<typeof RewindResult>;

export const SWIPE_ACTIONS = ['like', 'pass', 'superlike'] as const;
export const SwipeResult = shape('SwipeResult', z.object({ action: z.enum(SWIPE_ACTIONS), target_id: Id }), 'The swipe is recorded; a match, if any, arrives as match:new.');
export type SwipeResult = z.infer<typeof SwipeResult>;

/** The newest message of a match (no client_msg_id or conversation_id: the match names its conversation). */
export const LastMessage = ChatMessage.pick({ id: true, seq: true, sender_id: true, body: true, created_at: true });
export type LastMessage = z.infer<typeof LastMessage>;

export const Match = shape(
  'Match',
  z.object({ match_id: Id, conversation_id: Id, user: PublicProfile, created_at: Timestamp, last_message: LastMessage.nullable() }),
);
export type Match = z.infer<typeof Match>;
export const MatchList = shape('MatchList', z.object({ matches: z.array(Match) }));
export type MatchList = z.infer<typeof MatchList>;

export const Like = shape('Like', z.object({ user_id: Id, user: PublicProfile, action: z.enum(['like', 'superlike']), created_at: Timestamp }));
export type Like = z.infer<typeof Like>;
export const LikeList = shape('LikeList', z.object({ likes: z.array(Like) }));
export type LikeList = z.infer<typeof LikeList>;

export const ReportAccepted = shape('ReportAccepted', z.object({ id: Id, status: z.string(), created_at: Timestamp }));
export type ReportAccepted = z.infer<typeof ReportAccepted>;
