/**
 * The `directory` section: where the phone looks people up. A corporate LDAP directory is searched live
 * (attribute names vary per server — Active Directory, OpenLDAP, FreeIPA — so they are mapped here), personal
 * contacts come from a CardDAV address book (Nextcloud, iCloud, Radicale, Google) synced every so often,
 * and both are kept in a SQLite cache so that search still works when the network is not there.
 */
import { z } from 'zod';
import { FilterParser } from 'ldapts';

/** The placeholder in `ldap.filter` that becomes the (escaped) search text. */
export const QUERY_PLACEHOLDER = '{query}';

export const DEFAULT_LDAP_FILTER = '(|(cn=*{query}*)(sn={query}*)(telephoneNumber=*{query}*))';

/** An attribute description: a name like telephoneNumber (options like ;lang-de allowed) or a numeric OID. */
const attributeName = z
  .string()
  .regex(/^(?:[A-Za-z][A-Za-z0-9-]*|\d+(?:\.\d+)+)(?:;[A-Za-z0-9-]+)*$/, 'must be an LDAP attribute name like telephoneNumber');

export const ldapAttributesSchema = z.strictObject({
  /** The person's display name (Active Directory: displayName). */
  name: attributeName.default('cn'),
  /** Office number(s). */
  phone: attributeName.default('telephoneNumber'),
  mobile: attributeName.default('mobile'),
  email: attributeName.default('mail'),
  title: attributeName.default('title'),
  department: attributeName.default('ou'),
});

/**
 * ldapts' parser stops at the end of the first complete filter and accepts "(|(cn=x)" as "(cn=x)", so the
 * shape is checked here: one parenthesised filter, every '(' closed. (Literal parentheses in values are
 * escaped as \28 and \29 in a filter, so every parenthesis counts.)
 */
function unbalancedAt(filter: string): string | undefined {
  const text = filter.trim();
  if (!text.startsWith('(')) return 'must start with "("';
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')' && --depth === 0 && i !== text.length - 1) return `text after the filter ends at position ${i + 1}`;
    if (depth < 0) return `unmatched ")" at position ${i + 1}`;
  }
  return depth === 0 ? undefined : `${depth} "(" not closed`;
}

/**
 * The filter is checked here with the same parser that will send it, with a sample query in place of the
 * placeholder, so a missing parenthesis is reported at config load and not on the first search.
 */
const ldapFilter = z
  .string()
  .max(1024)
  .superRefine((template, ctx) => {
    if (!template.includes(QUERY_PLACEHOLDER)) {
      ctx.addIssue({ code: 'custom', message: `must contain ${QUERY_PLACEHOLDER}, where the search text goes` });
      return;
    }
    const unbalanced = unbalancedAt(template);
    if (unbalanced !== undefined) {
      ctx.addIssue({ code: 'custom', message: `is not a valid LDAP filter (RFC 4515): ${unbalanced}` });
      return;
    }
    try {
      FilterParser.parseString(template.replaceAll(QUERY_PLACEHOLDER, 'x'));
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: `is not a valid LDAP filter (RFC 4515): ${(err as Error).message}` });
    }
  });

export const ldapDirectorySchema = z
  .strictObject({
    /** ldap://host[:port] or ldaps://host[:port] (no path: the base DN is its own field). */
    url: z.string().regex(/^ldaps?:\/\/(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::\d{1,5})?\/?$/i, 'must be an LDAP URL like ldap://ldap.example.com or ldaps://ldap.example.com:636'),
    /** Simple bind as this DN; absent = anonymous search. */
    bindDn: z.string().min(1).max(512).optional(),
    password: z.string().max(256).optional(),
    /** Where the search starts (subtree), e.g. ou=people,dc=example,dc=com. */
    baseDn: z.string().min(1).max(512),
    /** Search filter; {query} is replaced by the typed text, escaped (RFC 4515) so it cannot change the filter. */
    filter: ldapFilter.default(DEFAULT_LDAP_FILTER),
    attributes: ldapAttributesSchema.default(() => ldapAttributesSchema.parse({})),
    /** Most entries asked for per search (the server may cap it lower). */
    sizeLimit: z.number().int().min(1).max(1000).default(50),
    /** A search (connect, bind, search) that takes longer fails with a timeout (ms). */
    timeoutMs: z.number().int().min(100).max(60000).default(5000),
    tls: z
      .strictObject({
        /** PEM CA bundle for ldaps:// servers; default: Node's bundled CAs. */
        caFile: z.string().min(1).optional(),
        /** Certificate and host-name verification; off only for labs. */
        verify: z.boolean().default(true),
      })
      .default({ verify: true }),
  })
  .refine((l) => l.password === undefined || l.bindDn !== undefined, { message: 'a password needs a bindDn to bind with', path: ['password'] });

export const cardDavSchema = z.strictObject({
  /** The CardDAV server or the address-book home (http:// or https://); address books are discovered from it. */
  url: z.string().regex(/^https?:\/\/[^\s]+$/i, 'must be an http:// or https:// URL'),
  username: z.string().min(1).max(256),
  password: z.string().max(256),
  /** Minutes between syncs (default 30). */
  syncIntervalMin: z.number().min(1).max(1440).default(30),
  /** One sync (discovery, listing, download) that takes longer fails with a timeout (ms). */
  timeoutMs: z.number().int().min(1000).max(300000).default(30000),
  tls: z
    .strictObject({
      /** PEM CA bundle for https:// servers signed by a private (company) CA; default: Node's bundled CAs. */
      caFile: z.string().min(1).optional(),
      /** Certificate and host-name verification; off only for labs (a warning is logged). */
      verify: z.boolean().default(true),
    })
    .default({ verify: true }),
});

export const directorySchema = z.strictObject({
  ldap: ldapDirectorySchema.optional(),
  carddav: cardDavSchema.optional(),
  /** SQLite cache of synced contacts and recent LDAP results; default: directory.db in the phone's data dir. */
  cacheFile: z.string().min(1).optional(),
});

export type DirectoryConfig = z.infer<typeof directorySchema>;
export type DirectoryConfigInput = z.input<typeof directorySchema>;
export type LdapDirectoryConfig = z.infer<typeof ldapDirectorySchema>;
export type LdapDirectoryConfigInput = z.input<typeof ldapDirectorySchema>;
export type LdapAttributesConfig = z.infer<typeof ldapAttributesSchema>;
export type CardDavConfig = z.infer<typeof cardDavSchema>;
export type CardDavConfigInput = z.input<typeof cardDavSchema>;
