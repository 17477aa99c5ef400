/**
 * Service names that iptables resolves through /etc/services (getservbyname). Node has no such
 * call, so the names that rulesets use are listed here, with their Debian /etc/services ports.
 */
export const SERVICES: ReadonlyMap<string, number> = new Map([
  ["tcpmux", 1], ["echo", 7], ["discard", 9], ["daytime", 13], ["ftp-data", 20], ["ftp", 21], ["ssh", 22],
  ["telnet", 23], ["smtp", 25], ["time", 37], ["whois", 43], ["tacacs", 49], ["domain", 53], ["bootps", 67],
  ["bootpc", 68], ["tftp", 69], ["gopher", 70], ["finger", 79], ["http", 80], ["www", 80], ["kerberos", 88],
  ["pop3", 110], ["sunrpc", 111], ["auth", 113], ["ident", 113], ["nntp", 119], ["ntp", 123], ["epmap", 135],
  ["netbios-ns", 137], ["netbios-dgm", 138], ["netbios-ssn", 139], ["imap2", 143], ["imap", 143], ["snmp", 161],
  ["snmp-trap", 162], ["bgp", 179], ["irc", 194], ["ldap", 389], ["https", 443], ["microsoft-ds", 445],
  ["kpasswd", 464], ["isakmp", 500], ["submissions", 465], ["syslog", 514], ["printer", 515], ["submission", 587],
  ["ldaps", 636], ["rsync", 873], ["ftps-data", 989], ["ftps", 990], ["telnets", 992], ["imaps", 993], ["pop3s", 995],
  ["socks", 1080], ["openvpn", 1194], ["ms-sql-s", 1433], ["l2tp", 1701], ["pptp", 1723], ["radius", 1812],
  ["radius-acct", 1813], ["nfs", 2049], ["mysql", 3306], ["ms-wbt-server", 3389], ["svn", 3690], ["sip", 5060],
  ["xmpp-client", 5222], ["postgresql", 5432], ["amqp", 5672], ["x11", 6000], ["http-alt", 8080], ["webcache", 8080],
  ["git", 9418], ["zabbix-agent", 10050], ["mdns", 5353], ["ipp", 631], ["kerberos-adm", 749], ["redis", 6379],
  ["nut", 3493], ["bacula-dir", 9101], ["openflow", 6653], ["domain-s", 853], ["ipsec-nat-t", 4500], ["dhcpv6-client", 546],
  ["dhcpv6-server", 547],
]);
