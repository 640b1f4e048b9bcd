/**
 * The company a superadmin is looking at, sent with every company-wide list and the socket handshake.
 * Undefined means the user's own company (the server's default for everyone, and all a plain admin may see).
 */
let scope: number | undefined;

export const setCompanyScope = (companyId: number | undefined) => {
  scope = companyId;
};

export const companyScope = () => scope;
