"""The agency API's shared pieces, for every app's endpoints: token authentication (auth, tokens), the JSON
parser, the error shape and handlers (errors, serializers), throttles, query parameters, the base view and the
catch-all 404. The endpoints themselves live with their apps (explanations/api, appeals/api, access/api,
oversight/api_open)."""

# Where the API's addresses begin: its own language rule, error shape and token rule apply under it.
API_PREFIX = "/api/"
