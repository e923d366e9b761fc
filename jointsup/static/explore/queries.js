// The GraphQL operations the explorer runs (fields as in schema.graphql and the explore contract).

const NODE = "id label caption riskLevel properties";
const EDGE = "id type source target properties";
const SUBGRAPH = `nodes { ${NODE} } edges { ${EDGE} }`;

export const WHOAMI = "query Ping { __typename }";

export const SEARCH = `query Search($query: String!, $first: Int) {
  searchEnterprises(query: $query, first: $first) {
    totalCount
    edges { matchedField matchedText score
      node { id uscc name tradeName status creditClass address legalRepresentative } }
  }
}`;

export const NEIGHBOURHOOD = `query Neighbourhood($id: ID!, $depth: Int!, $types: [String!],
    $limit: Int!) {
  neighbourhood(id: $id, depth: $depth, relationshipTypes: $types, nodeLimit: $limit) {
    ${SUBGRAPH} truncated
  }
}`;

export const PATHS = `query Paths($from: ID!, $to: ID!, $maxLength: Int!, $types: [String!]) {
  paths(from: $from, to: $to, maxLength: $maxLength, relationshipTypes: $types, first: 5) {
    length nodes { ${NODE} } edges { ${EDGE} }
  }
}`;

export const ENTERPRISE = `query EnterpriseDetails($uscc: String!) {
  enterprise(uscc: $uscc) {
    id uscc name tradeName status legalRepresentative address creditClass
    applicableItems(first: 20) {
      totalCount
      edges { node { viaIndustry
        item { code name departmentSystem
          legalBasis(first: 5) { totalCount
            edges { node { lawTitle lawVersion number chapter text } } } } } }
    }
  }
}`;

export const SUSPECTED = `query Suspected($uscc: String!) {
  suspectedRelations(uscc: $uscc, first: 20) {
    score reasons
    enterprise { id uscc name status creditClass }
    evidence { ${SUBGRAPH} truncated }
  }
}`;
