package safety

// Charsets of token bodies.
const (
	csAlnum         = "alnum"    // A-Z a-z 0-9
	csWord          = "word"     // alnum and _
	csWordDash      = "worddash" // alnum, _ and -
	csHexLow        = "hex"      // 0-9 a-f (either case accepted)
	csUpperNum      = "uppernum" // A-Z 0-9
	csBase64        = "b64"      // alnum + / =
	csB64URL        = "b64url"   // alnum - _ = .
	csLower         = "lower"    // a-z
	csAlnumLowerNum = "lowernum" // a-z 0-9
)

// prefixRule is a token with a fixed, distinctive prefix: the prefix is found
// by the multi-pattern automaton, then the body is measured. Facts (prefixes,
// body alphabets, lengths, entropy floors) follow the public gitleaks rule set
// and the providers' token documentation.
type prefixRule struct {
	id      string
	prefix  string
	cs      string
	min     int // body length bounds (after the prefix)
	max     int
	entropy float64 // minimum Shannon entropy of the body (bits per char)
	suffix  string  // required literal at the end of the body, if any
}

var prefixRules = []prefixRule{
	{id: "1password-service-account-token", prefix: "ops_eyJ", cs: csBase64, min: 250, max: 8000, entropy: 4},
	{id: "1password-secret-key", prefix: "A3-", cs: "onepw", min: 33, max: 40, entropy: 3},
	{id: "adobe-client-secret", prefix: "p8e-", cs: csAlnum, min: 32, max: 32, entropy: 2},
	{id: "age-secret-key", prefix: "AGE-SECRET-KEY-1", cs: csUpperNum, min: 58, max: 58},
	{id: "alibaba-access-key-id", prefix: "LTAI", cs: csAlnum, min: 20, max: 20, entropy: 2},
	{id: "anthropic-admin-api-key", prefix: "sk-ant-admin01-", cs: csWordDash, min: 95, max: 95, suffix: "AA", entropy: 3},
	{id: "anthropic-api-key", prefix: "sk-ant-api03-", cs: csWordDash, min: 95, max: 95, suffix: "AA", entropy: 3},
	{id: "artifactory-api-key", prefix: "AKCp", cs: csAlnum, min: 69, max: 69, entropy: 4.5},
	{id: "artifactory-reference-token", prefix: "cmVmd", cs: csAlnum, min: 59, max: 59, entropy: 4.5},
	{id: "aws-access-token", prefix: "AKIA", cs: "aws", min: 16, max: 16, entropy: 3},
	{id: "aws-access-token", prefix: "ASIA", cs: "aws", min: 16, max: 16, entropy: 3},
	{id: "aws-access-token", prefix: "ABIA", cs: "aws", min: 16, max: 16, entropy: 3},
	{id: "aws-access-token", prefix: "ACCA", cs: "aws", min: 16, max: 16, entropy: 3},
	{id: "aws-bedrock-api-key", prefix: "ABSK", cs: csBase64, min: 109, max: 271, entropy: 3},
	{id: "clickhouse-cloud-api-secret-key", prefix: "4b1d", cs: csAlnum, min: 38, max: 38, entropy: 3},
	{id: "clojars-api-token", prefix: "CLOJARS_", cs: csAlnum, min: 60, max: 60, entropy: 2},
	{id: "databricks-api-token", prefix: "dapi", cs: csHexLow, min: 32, max: 34, entropy: 3},
	{id: "digitalocean-access-token", prefix: "doo_v1_", cs: csHexLow, min: 64, max: 64, entropy: 3},
	{id: "digitalocean-pat", prefix: "dop_v1_", cs: csHexLow, min: 64, max: 64, entropy: 3},
	{id: "digitalocean-refresh-token", prefix: "dor_v1_", cs: csHexLow, min: 64, max: 64, entropy: 3},
	{id: "doppler-api-token", prefix: "dp.pt.", cs: csAlnum, min: 43, max: 43, entropy: 2},
	{id: "duffel-api-token", prefix: "duffel_live_", cs: csB64URL, min: 43, max: 43, entropy: 2},
	{id: "duffel-api-token", prefix: "duffel_test_", cs: csB64URL, min: 43, max: 43, entropy: 2},
	{id: "dynatrace-api-token", prefix: "dt0c01.", cs: "dotted", min: 89, max: 89, entropy: 4},
	{id: "easypost-api-token", prefix: "EZAK", cs: csAlnum, min: 54, max: 54, entropy: 2},
	{id: "easypost-test-api-token", prefix: "EZTK", cs: csAlnum, min: 54, max: 54, entropy: 2},
	{id: "facebook-page-access-token", prefix: "EAAM", cs: csAlnum, min: 100, max: 400, entropy: 4},
	{id: "facebook-page-access-token", prefix: "EAAC", cs: csAlnum, min: 100, max: 400, entropy: 4},
	{id: "flutterwave-secret-key", prefix: "FLWSECK_TEST-", cs: csAlnum, min: 12, max: 34, entropy: 2},
	{id: "flutterwave-public-key", prefix: "FLWPUBK_TEST-", cs: csAlnum, min: 32, max: 34, entropy: 2},
	{id: "flyio-access-token", prefix: "fo1_", cs: csWordDash, min: 43, max: 43, entropy: 4},
	{id: "flyio-access-token", prefix: "fm2_", cs: csBase64, min: 100, max: 4000, entropy: 4},
	{id: "frameio-api-token", prefix: "fio-u-", cs: csB64URL, min: 64, max: 64},
	{id: "gcp-api-key", prefix: "AIza", cs: csWordDash, min: 35, max: 35, entropy: 4},
	{id: "github-app-token", prefix: "ghu_", cs: csAlnum, min: 36, max: 36, entropy: 3},
	{id: "github-app-token", prefix: "ghs_", cs: csAlnum, min: 36, max: 36, entropy: 3},
	{id: "github-fine-grained-pat", prefix: "github_pat_", cs: csWord, min: 82, max: 82, entropy: 3},
	{id: "github-oauth", prefix: "gho_", cs: csAlnum, min: 36, max: 36, entropy: 3},
	{id: "github-pat", prefix: "ghp_", cs: csAlnum, min: 36, max: 36, entropy: 3},
	{id: "github-refresh-token", prefix: "ghr_", cs: csAlnum, min: 36, max: 36, entropy: 3},
	{id: "gitlab-cicd-job-token", prefix: "glcbt-", cs: csWordDash, min: 22, max: 26, entropy: 3},
	{id: "gitlab-deploy-token", prefix: "gldt-", cs: csWordDash, min: 20, max: 20, entropy: 3},
	{id: "gitlab-feature-flag-client-token", prefix: "glffct-", cs: csWordDash, min: 20, max: 20, entropy: 3},
	{id: "gitlab-feed-token", prefix: "glft-", cs: csWordDash, min: 20, max: 20, entropy: 3},
	{id: "gitlab-incoming-mail-token", prefix: "glimt-", cs: csWordDash, min: 25, max: 25, entropy: 3},
	{id: "gitlab-kubernetes-agent-token", prefix: "glagent-", cs: csWordDash, min: 50, max: 50, entropy: 3},
	{id: "gitlab-oauth-app-secret", prefix: "gloas-", cs: csWordDash, min: 64, max: 64, entropy: 3},
	{id: "gitlab-pat", prefix: "glpat-", cs: "gitlabrt", min: 20, max: 320, entropy: 3},
	{id: "gitlab-ptt", prefix: "glptt-", cs: csHexLow, min: 40, max: 40, entropy: 3},
	{id: "gitlab-rrt", prefix: "GR1348941", cs: csWordDash, min: 20, max: 20, entropy: 3},
	{id: "gitlab-runner-authentication-token", prefix: "glrt-", cs: "gitlabrt", min: 20, max: 320, entropy: 3},
	{id: "gitlab-scim-token", prefix: "glsoat-", cs: csWordDash, min: 20, max: 20, entropy: 3},
	{id: "gitlab-session-cookie", prefix: "_gitlab_session=", cs: csAlnumLowerNum, min: 32, max: 32, entropy: 3},
	{id: "grafana-api-key", prefix: "eyJrIjoi", cs: csBase64, min: 70, max: 400, entropy: 3},
	{id: "grafana-cloud-api-token", prefix: "glc_", cs: csBase64, min: 32, max: 400, entropy: 3},
	{id: "grafana-service-account-token", prefix: "glsa_", cs: csWord, min: 41, max: 41, entropy: 3},
	{id: "heroku-api-key-v2", prefix: "HRKU-AA", cs: csWordDash, min: 58, max: 58, entropy: 4},
	{id: "huggingface-access-token", prefix: "hf_", cs: "letters", min: 34, max: 34, entropy: 2},
	{id: "huggingface-organization-api-token", prefix: "api_org_", cs: "letters", min: 34, max: 34, entropy: 2},
	{id: "infracost-api-token", prefix: "ico-", cs: csAlnum, min: 32, max: 32, entropy: 3},
	{id: "intra42-client-secret", prefix: "s-s4t2ud-", cs: csHexLow, min: 64, max: 64, entropy: 3},
	{id: "intra42-client-secret", prefix: "s-s4t2af-", cs: csHexLow, min: 64, max: 64, entropy: 3},
	{id: "linear-api-key", prefix: "lin_api_", cs: csAlnum, min: 40, max: 40, entropy: 2},
	{id: "notion-api-token", prefix: "ntn_", cs: csAlnum, min: 46, max: 46, entropy: 4},
	{id: "npm-access-token", prefix: "npm_", cs: csAlnum, min: 36, max: 36, entropy: 2},
	{id: "octopus-deploy-api-key", prefix: "API-", cs: csUpperNum, min: 26, max: 26, entropy: 3},
	{id: "openai-api-key", prefix: "sk-proj-", cs: csWordDash, min: 40, max: 220, entropy: 3},
	{id: "openai-api-key", prefix: "sk-svcacct-", cs: csWordDash, min: 40, max: 220, entropy: 3},
	{id: "openai-api-key", prefix: "sk-admin-", cs: csWordDash, min: 40, max: 220, entropy: 3},
	{id: "openshift-user-token", prefix: "sha256~", cs: csWordDash, min: 43, max: 43, entropy: 3.5},
	{id: "perplexity-api-key", prefix: "pplx-", cs: csAlnum, min: 48, max: 48, entropy: 4},
	{id: "planetscale-api-token", prefix: "pscale_tkn_", cs: csB64URL, min: 32, max: 64, entropy: 3},
	{id: "planetscale-oauth-token", prefix: "pscale_oauth_", cs: csB64URL, min: 32, max: 64, entropy: 3},
	{id: "planetscale-password", prefix: "pscale_pw_", cs: csB64URL, min: 32, max: 64, entropy: 3},
	{id: "postman-api-token", prefix: "PMAK-", cs: "hexdash", min: 59, max: 59, entropy: 3},
	{id: "prefect-api-token", prefix: "pnu_", cs: csAlnum, min: 36, max: 36, entropy: 2},
	{id: "pulumi-api-token", prefix: "pul-", cs: csHexLow, min: 40, max: 40, entropy: 2},
	{id: "pypi-upload-token", prefix: "pypi-AgEIcHlwaS5vcmc", cs: csWordDash, min: 50, max: 1000, entropy: 3},
	{id: "readme-api-token", prefix: "rdme_", cs: csAlnumLowerNum, min: 70, max: 70, entropy: 2},
	{id: "rubygems-api-token", prefix: "rubygems_", cs: csHexLow, min: 48, max: 48, entropy: 2},
	{id: "scalingo-api-token", prefix: "tk-us-", cs: csWordDash, min: 48, max: 48, entropy: 2},
	{id: "sendgrid-api-token", prefix: "SG.", cs: csB64URL, min: 66, max: 66, entropy: 2},
	{id: "sendinblue-api-token", prefix: "xkeysib-", cs: "hexdash", min: 81, max: 81, entropy: 2},
	{id: "sentry-user-token", prefix: "sntryu_", cs: csHexLow, min: 64, max: 64, entropy: 3.5},
	{id: "sentry-org-token", prefix: "sntrys_eyJ", cs: csBase64, min: 60, max: 600, entropy: 4.5},
	{id: "settlemint-personal-access-token", prefix: "sm_pat_", cs: csAlnum, min: 16, max: 16, entropy: 3},
	{id: "settlemint-application-access-token", prefix: "sm_aat_", cs: csAlnum, min: 16, max: 16, entropy: 3},
	{id: "settlemint-service-access-token", prefix: "sm_sat_", cs: csAlnum, min: 16, max: 16, entropy: 3},
	{id: "shippo-api-token", prefix: "shippo_live_", cs: csHexLow, min: 40, max: 40, entropy: 2},
	{id: "shippo-api-token", prefix: "shippo_test_", cs: csHexLow, min: 40, max: 40, entropy: 2},
	{id: "shopify-access-token", prefix: "shpat_", cs: csHexLow, min: 32, max: 32, entropy: 2},
	{id: "shopify-custom-access-token", prefix: "shpca_", cs: csHexLow, min: 32, max: 32, entropy: 2},
	{id: "shopify-private-app-access-token", prefix: "shppa_", cs: csHexLow, min: 32, max: 32, entropy: 2},
	{id: "shopify-shared-secret", prefix: "shpss_", cs: csHexLow, min: 32, max: 32, entropy: 2},
	{id: "slack-app-token", prefix: "xapp-", cs: csWordDash, min: 20, max: 200, entropy: 2},
	{id: "slack-bot-token", prefix: "xoxb-", cs: "slack", min: 24, max: 200, entropy: 3},
	{id: "slack-user-token", prefix: "xoxp-", cs: "slack", min: 40, max: 200, entropy: 3},
	{id: "slack-user-token", prefix: "xoxe-", cs: "slack", min: 40, max: 200, entropy: 3},
	{id: "slack-legacy-token", prefix: "xoxo-", cs: "slack", min: 10, max: 200, entropy: 2},
	{id: "slack-legacy-token", prefix: "xoxs-", cs: "slack", min: 10, max: 200, entropy: 2},
	{id: "slack-legacy-workspace-token", prefix: "xoxa-", cs: "slack", min: 8, max: 60, entropy: 2},
	{id: "slack-legacy-workspace-token", prefix: "xoxr-", cs: "slack", min: 8, max: 60, entropy: 2},
	{id: "slack-webhook-url", prefix: "hooks.slack.com/services/", cs: "path", min: 43, max: 60},
	{id: "slack-webhook-url", prefix: "hooks.slack.com/workflows/", cs: "path", min: 43, max: 100},
	{id: "slack-webhook-url", prefix: "hooks.slack.com/triggers/", cs: "path", min: 43, max: 100},
	{id: "sourcegraph-access-token", prefix: "sgp_", cs: csWord, min: 40, max: 62, entropy: 3},
	{id: "square-access-token", prefix: "sq0atp-", cs: csWordDash, min: 22, max: 60, entropy: 2},
	{id: "square-access-token", prefix: "EAAA", cs: csWordDash, min: 22, max: 60, entropy: 3},
	{id: "stripe-access-token", prefix: "sk_live_", cs: csAlnum, min: 10, max: 99, entropy: 2},
	{id: "stripe-access-token", prefix: "sk_test_", cs: csAlnum, min: 10, max: 99, entropy: 2},
	{id: "stripe-access-token", prefix: "sk_prod_", cs: csAlnum, min: 10, max: 99, entropy: 2},
	{id: "stripe-access-token", prefix: "rk_live_", cs: csAlnum, min: 10, max: 99, entropy: 2},
	{id: "stripe-access-token", prefix: "rk_test_", cs: csAlnum, min: 10, max: 99, entropy: 2},
	{id: "stripe-access-token", prefix: "rk_prod_", cs: csAlnum, min: 10, max: 99, entropy: 2},
	{id: "twilio-api-key", prefix: "SK", cs: csHexLow, min: 32, max: 32, entropy: 3},
	{id: "vault-batch-token", prefix: "hvb.", cs: csWordDash, min: 138, max: 300, entropy: 4},
	{id: "vault-service-token", prefix: "hvs.", cs: csWordDash, min: 90, max: 120, entropy: 3.5},
	{id: "mailgun-private-api-token", prefix: "key-", cs: csHexLow, min: 32, max: 32, entropy: 3},
	{id: "mapbox-api-token", prefix: "pk.eyJ", cs: csB64URL, min: 60, max: 300, entropy: 3},
	{id: "new-relic-user-api-key", prefix: "NRAK-", cs: csUpperNum, min: 27, max: 27, entropy: 3},
	{id: "new-relic-insert-key", prefix: "NRII-", cs: csWordDash, min: 32, max: 32, entropy: 3},
	{id: "new-relic-browser-api-token", prefix: "NRJS-", cs: csHexLow, min: 19, max: 19, entropy: 3},
	{id: "typeform-api-token", prefix: "tfp_", cs: csB64URL, min: 59, max: 59, entropy: 3},
	{id: "yandex-api-key", prefix: "AQVN", cs: csWordDash, min: 35, max: 38, entropy: 3},
	{id: "yandex-access-token", prefix: "t1.", cs: "yandex", min: 80, max: 200, entropy: 3},
	{id: "dropbox-short-lived-api-token", prefix: "sl.", cs: csWordDash, min: 135, max: 135, entropy: 3},
	{id: "beamer-api-token", prefix: "b_", cs: csWordDash, min: 44, max: 44, entropy: 3},
	{id: "defined-networking-api-token", prefix: "dnkey-", cs: csWordDash, min: 78, max: 78, entropy: 3},
	{id: "harness-api-key", prefix: "pat.", cs: "dotted", min: 68, max: 68, entropy: 3},
	{id: "harness-api-key", prefix: "sat.", cs: "dotted", min: 68, max: 68, entropy: 3},
	{id: "azure-storage-account-key", prefix: "AccountKey=", cs: csBase64, min: 86, max: 90, entropy: 4},
	{id: "jwt-base64", prefix: "ZXlK", cs: csBase64, min: 60, max: 8000, entropy: 4},
}

// knownPublicKeys are published browser / sample keys that gitleaks
// allowlists: they look real but grant nothing.
var knownPublicKeys = map[string]bool{
	"AIzaSyabcdefghijklmnopqrstuvwxyz1234567": true,
	"AIzaSyAnLA7NfeLquW1tJFpx_eQCxoX-oo6YyIs": true,
	"AIzaSyCkEhVjf3pduRDt6d1yKOMitrUEke8agEM": true,
	"AIzaSyDMAScliyLx7F0NPDEJi1QmyCgHIAODrlU": true,
	"AIzaSyD3asb-2pEZVqMkmL6M9N6nHZRR_znhrh0": true,
	"AIzayDNSXIbFmlXbIE6mCzDLQAqITYefhixbX4A": true,
	"AIzaSyAdOS2zB6NCsk1pCdZ4-P6GBdi_UUPwX7c": true,
	"AIzaSyASWm6HmTMdYWpgMnjRBjxcQ9CKctWmLd4": true,
	"AIzaSyANUvH9H9BsUccjsu2pCmEkOPjjaXeDQgY": true,
	"AIzaSyA5_iVawFQ8ABuTZNUdcwERLJv_a_p4wtM": true,
	"AIzaSyA4UrcGxgwQFTfaI3no3t7Lt1sjmdnP5sQ": true,
	"AIzaSyDSb51JiIcB6OJpwwMicseKRhhrOq1cS7g": true,
	"AIzaSyBF2RrAIm4a0mO64EShQfqfd2AFnzAvvuU": true,
	"AIzaSyBcE-OOIbhjyR83gm4r2MFCu4MJmprNXsw": true,
	"AIzaSyB8qGxt4ec15vitgn44duC5ucxaOi4FmqE": true,
	"AIzaSyA8vmApnrHNFE0bApF4hoZ11srVL_n0nvY": true,
}

// secretNouns end an identifier that holds a credential (api_key,
// clientSecret, DB_PASSWORD, authToken).
var secretNouns = map[string]bool{
	"key": true, "apikey": true, "secret": true, "token": true, "password": true, "passwd": true,
	"pwd": true, "pass": true, "passphrase": true, "credential": true, "credentials": true,
	"creds": true, "auth": true, "secretkey": true, "accesskey": true, "privatekey": true,
	"authtoken": true, "bearer": true, "signature": false,
}

// nonSecretTails end identifiers that merely mention a credential
// (api_version, token_id, key_name, password_length).
var nonSecretTails = map[string]bool{
	"id": true, "ids": true, "version": true, "name": true, "url": true, "uri": true, "path": true,
	"file": true, "type": true, "mode": true, "count": true, "size": true, "length": true,
	"enabled": true, "format": true, "header": true, "prefix": true, "expiry": true, "expires": true,
	"ttl": true, "timeout": true, "field": true, "label": true, "hint": true, "policy": true,
	"endpoint": true, "host": true, "port": true, "region": true, "user": true, "username": true,
	"email": true, "env": true, "var": true, "index": true, "hash": false,
}

// providerWords mark an identifier as belonging to a credential of a known
// service even without a secret noun (e.g. "twilio_sid = ...").
var providerWords = map[string]bool{
	"adafruit": true, "airtable": true, "algolia": true, "alibaba": true, "asana": true,
	"atlassian": true, "bitbucket": true, "bittrex": true, "cloudflare": true, "codecov": true,
	"coinbase": true, "confluent": true, "contentful": true, "datadog": true, "discord": true,
	"droneci": true, "dropbox": true, "etsy": true, "facebook": true, "fastly": true,
	"finicity": true, "finnhub": true, "flickr": true, "freshbooks": true, "gitter": true,
	"gocardless": true, "heroku": true, "hubspot": true, "intercom": true, "jfrog": true,
	"kraken": true, "kucoin": true, "launchdarkly": true, "linkedin": true, "looker": true,
	"mailchimp": true, "mailgun": true, "mattermost": true, "messagebird": true, "netlify": true,
	"newrelic": true, "nytimes": true, "okta": true, "plaid": true, "rapidapi": true,
	"sendbird": true, "sentry": true, "snyk": true, "sonar": true, "squarespace": true,
	"sumologic": true, "telegram": true, "travis": true, "twitch": true, "twitter": true,
	"zendesk": true, "meraki": true, "cohere": true, "twilio": true, "jira": true, "confluence": true,
}
