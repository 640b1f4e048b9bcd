export const SESSION_COOKIE = 'vaahshare_session';
