DELETE FROM hydra_jwk WHERE sid='hydra.openid.id-token';
