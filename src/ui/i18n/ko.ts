/**
 * Korean. Typed as `Catalog`, so a key English has and this file lacks is a compile error. Korean has no
 * plural forms (Intl.PluralRules gives `other` for every count), so counted messages carry only `other`;
 * counters use the native unit words (통 for calls, 개 for messages).
 */
import type { Catalog } from './catalog.js';

export const ko: Catalog = {
  'registration.registered': '로그인됨',
  'registration.registering': '로그인 중…',
  'registration.unregistered': '로그인 안 됨',
  'registration.failed': '로그인 실패',
  'registration.withReason': '{state}: {reason}',

  'presence.available': '대화 가능',
  'presence.busy': '다른 용무 중',
  'presence.in-conference': '회의 중',
  'presence.dnd': '방해 금지',
  'presence.brb': '곧 돌아옴',
  'presence.away': '자리 비움',
  'presence.offline': '오프라인',
  'presence.manualHidden': '{state}(으)로 설정됨 (로그인하면 표시)',

  'idle.missedCalls': { other: '부재중 전화 {count}통' },
  'idle.voicemail': { other: '새 음성 메시지 {count}개' },
  'idle.voicemailUrgent': { other: '긴급 {count}개' },
  'idle.voicemailOld': '새 음성 메시지 없음 (저장됨 {count}개)',
  'idle.forwardAlways': '모든 전화를 {target}(으)로 착신 전환',
  'idle.dndOn': '방해 금지 켜짐',

  'lineKey.line': '회선 {line}',
  'lineKey.lineWithUser': '{user} · {line}',

  'dialer.title': '전화 걸기',
  'dialer.placeholder': '번호 입력',
  'dialer.preview': '{number}(으)로 발신',
  'dialer.blocked': '발신 안 됨: {reason}',

  'incoming.title': '수신 전화',
  'incoming.silent': '무음 수신 중 (방해 금지)',
  'incoming.forwardedFrom': '{party}에서 전환됨',
  'incoming.forwardedFromReason': '{party}에서 전환됨 ({reason})',
  'forwardReason.unconditional': '항상',
  'forwardReason.user-busy': '통화 중',
  'forwardReason.no-answer': '응답 없음',
  'forwardReason.do-not-disturb': '방해 금지',
  'forwardReason.deflection': '돌려보냄',
  'forwardReason.unavailable': '연결 불가',
  'incoming.moreRinging': { other: '수신 전화 {count}통 더 있음' },

  'party.private': '발신자 정보 없음',
  'party.unknown': '알 수 없는 발신자',

  'call.title': '통화',
  'call.conferenceTitle': '전화 회의',
  'call.dialing': '발신 중…',
  'call.ringback': '연결음…',
  'call.earlyMedia': '연결 중…',
  'call.connected': '통화 중',
  'call.onHold': '보류 중',
  'call.remoteHold': '상대방이 보류함',
  'call.muted': '마이크 꺼짐',
  'call.conferenceWith': '{first}, {second} 님과 전화 회의',
  'call.waiting': '통화 대기: {party}',
  'call.otherHeld': '보류 중: {party} · {duration}',
  'call.transferring': '{target}(으)로 돌려주는 중…',
  'call.transferFailed': '{target}(으)로 돌려주기 실패: {reason}',

  'softkey.answer': '받기',
  'softkey.reject': '거절',
  'softkey.forward': '착신 전환',
  'softkey.end': '종료',
  'softkey.hold': '보류',
  'softkey.resume': '재개',
  'softkey.mute': '음소거',
  'softkey.unmute': '음소거 해제',
  'softkey.transfer': '돌려주기',
  'softkey.conference': '회의',
  'softkey.swap': '통화 전환',
  'softkey.dial': '발신',
  'softkey.delete': '지우기',
  'softkey.cancel': '취소',
  'softkey.contacts': '연락처',
  'softkey.callLog': '통화 기록',
  'softkey.presence': '상태',
  'softkey.menu': '메뉴',
  'softkey.redial': '재다이얼',
};
