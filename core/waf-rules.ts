/**
 * The AWS managed rule groups of every web ACL modeshift puts in front of a
 * load balancer (the mode's `waf`), in the order WAF evaluates them: common
 * exploits (OWASP top ten), known bad inputs (Log4j, …) and addresses with a
 * bad reputation. One list for the step that writes the ACL, the plan and the
 * estimate.
 */
export const MANAGED_RULE_GROUP_NAMES = [
  'AWSManagedRulesCommonRuleSet',
  'AWSManagedRulesKnownBadInputsRuleSet',
  'AWSManagedRulesAmazonIpReputationList',
] as const;
